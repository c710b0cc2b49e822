"""`python -m cuwavelet {demo,bench}`; see cuwavelet/cli."""
from .cli import main

raise SystemExit(main())
