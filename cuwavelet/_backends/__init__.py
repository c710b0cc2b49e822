"""Where the kernels run: the host extension for NumPy arrays, CuPy for CUDA arrays.

Both expose launch(op, mode, geometry, signal, lo, hi, filters) with the same
meaning; the array-level operations in cuwavelet/_primitives.py call them.
"""
