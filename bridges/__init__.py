"""Framework bridges for cuwavelet, each imported on its own so that neither
framework is a dependency of the other (or of cuwavelet):

    import bridges.torch as wt   # torch.Tensor: autograd, forward mode, torch.func, vmap,
                                 # torch.compile, nn.Modules, learnable filter banks
    import bridges.jax as wj     # jax.Array: linear primitives (grad, jvp, jacfwd, vmap),
                                 # jit on XLA's own buffers (no host copies on GPU)

Both expose pywt's transforms under pywt's names, with gradients that are
cuwavelet's exact adjoints; bridges/_frontend.py holds what they share, and
bridges/_portable.py the transforms as each framework's own operations, for
programs exported without cuwavelet (portable()).
"""
