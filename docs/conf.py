# The API reference, built from the docstrings:
#   python -m sphinx -W -b html docs docs/_build/html
# (tests/test_docs.py builds it with -W, so a warning fails the test suite.)
import os
import sys

sys.path.insert(0, os.path.abspath(".."))
import cuwavelet  # noqa: E402

project = "cuwavelet"
author = "The cuwavelet developers"
copyright = "2026, " + author
release = version = cuwavelet.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
# The signatures' aliases stay as written instead of being expanded into Unions.
autodoc_type_aliases = {name: name for name in ("Array", "ArrayLike", "WaveletSpec", "ModeSpec", "Axes")}

html_theme = "alabaster"
exclude_patterns = ["_build"]
