"""pywt's wavelet packet trees (WaveletPacket, WaveletPacket2D,
WaveletPacketND) on a framework's arrays, shared by the bridges.

A bridge's trees are the core's (cuwavelet._packets) with the bridge's
TreeArrays: nodes hold the framework's arrays, and every decomposition and
reconstruction is a call of the bridge's dwt, dwt2, dwtn or idwtn, node by
node, so that the nodes' values carry the framework's gradients (each call's
backward is its transform's exact adjoint). Paths, node creation and
deletion, get_level orders, maxlevel and trimming are the core's, and so
pywt's. A whole level in one call per axis is the bridges' packet_decompose
and packet_reconstruct.
"""
from __future__ import annotations

import cuwavelet as cw
from cuwavelet._packets import TreeArrays
from cuwavelet._wavelets import as_pywt_wavelet


def tree_wavelet(is_array):
    """A TreeArrays.as_wavelet for a bridge whose arrays `is_array` tells: a
    bank of four filters any of which is such an array is kept as it is (a
    learned filter bank, which the bridge's transforms take); anything else
    becomes a pywt.Wavelet, as in the core's trees."""
    def as_wavelet(wavelet):
        if isinstance(wavelet, (tuple, list)) and len(wavelet) == 4 \
                and any(is_array(f) for f in wavelet):
            return tuple(wavelet)
        return as_pywt_wavelet(wavelet)
    return as_wavelet

_DATA = {
    "WaveletPacket": ("1D wavelet packet tree (``pywt.WaveletPacket``)", "symmetric",
                      """data : {array}, array_like or None
        The signal (other axes are a batch).""", """axis : int, optional
        The transformed axis (default -1).""",
                      "dwt_max_level of the transformed axis"),
    "WaveletPacket2D": ("2D wavelet packet tree (``pywt.WaveletPacket2D``)", "smooth",
                        """data : {array}, array_like or None
        Data with at least two dimensions (others are a batch).""",
                        """axes : pair of int, optional
        The transformed axes (default the last two).""",
                        "dwt_max_level of the shorter transformed axis"),
    "WaveletPacketND": ("nD wavelet packet tree (``pywt.WaveletPacketND``)", "smooth",
                        """data : {array}, array_like or None
        The data (None needs `axes`).""", """axes : int, sequence of int or None, optional
        The transformed axes (default all).""",
                        "dwt_max_level of the shortest transformed axis"),
}


def _tree_docstring(name: str, array: str, transform: str, examples: str) -> str:
    summary, mode, data, axes, maxlevel = _DATA[name]
    text = f"""{summary} of {{array}} nodes.

    Nodes are made lazily by path, as in pywt, each by one call of this
    bridge's `{transform}`; `reconstruct` is its inverse, node by node. Both
    are differentiable: a node's value carries the gradient of the data it
    was decomposed from (the backward pass of each call is its transform's
    exact adjoint), and a reconstruction the gradients of the nodes it is
    made of. `packet_decompose` and `packet_reconstruct` run a whole level in
    one call per axis.

    Parameters
    ----------
    {data}
    wavelet : str, pywt.Wavelet or filter bank
        A discrete wavelet, or a filter bank ``(dec_lo, dec_hi, rec_lo,
        rec_hi)`` of {array}s (a learned filter bank: gradients reach the
        filters).
    mode : str, optional
        Signal extension mode (default {mode!r}, as pywt).
    maxlevel : int, optional
        Deepest level (default: {maxlevel}).
    {axes}

    Examples
    --------
{examples}"""
    return text.replace("{array}", array)


def packet_trees(arrays: TreeArrays, module: str, array: str, examples: dict) -> tuple:
    """(WaveletPacket, WaveletPacket2D, WaveletPacketND) of a bridge: the core's
    trees holding `arrays`, documented for arrays called `array` with the
    bridge's `examples` {class name: doctest text}."""
    transforms = {"WaveletPacket": "dwt", "WaveletPacket2D": "dwt2", "WaveletPacketND": "dwtn"}
    return tuple(type(name, (getattr(cw, name),), {
        "ARRAYS": arrays, "__module__": module,
        "__doc__": _tree_docstring(name, array, transforms[name], examples[name])})
        for name in ("WaveletPacket", "WaveletPacket2D", "WaveletPacketND"))


__all__ = ["packet_trees", "tree_wavelet"]
