"""The misconceptions the checks recognise: one short, stable id per wrong model.

A check's hint is given only when the learner's answer equals what a
misconception computes (see :mod:`convlib.checks.engine`).  Each hint is
tagged, where it is defined, with the id of that misconception::

    MEAN_HINT = hint("channel-mean", "this is the channel *mean*: ...")
    Candidate(hint("bias-per-channel", "the bias is added once per channel ..."), build)

The id travels with the verdict: :class:`~convlib.checks.engine.CheckFailed`
carries it as ``.misconception``, and ``convlib grade`` puts it in
every test's result (``"misconception"``) and counts, over the class, who
holds which (``"misconceptions"`` in the JSON, the table of ``--report``).
One id names one wrong *model*, whichever exercise shows it: ``kernel-2d`` is
the learner who thinks a Conv2D kernel is a flat KH x KW plane, whether that
shows in a kernel shape, a parameter count or a channel sum.

Ids are kebab-case and never renamed (reports from earlier workshops stay
comparable); add new ones to :data:`MISCONCEPTIONS`.  ``hint`` refuses an id
that is not in the table, so a typo fails every test of that check.
"""

from __future__ import annotations

__all__ = ["MISCONCEPTIONS", "Hint", "hint", "misconception_of", "describe"]

#: id -> what the learner believes (one line, for the instructor's report)
MISCONCEPTIONS = {
    # the kernel and its channels
    "kernel-2d": "a Conv2D kernel is one flat KH x KW plane shared by all input channels (it is KH x KW x C_in per filter)",
    "kernel-single-2d": "a Conv2D layer's kernel is a single 2-D KH x KW kernel",
    "one-filter-only": "counts or shapes one filter where the layer has C_out of them",
    "pytorch-layout": "uses PyTorch's kernel layout (C_out, C_in, KH, KW) where Keras stores (KH, KW, C_in, C_out)",
    "cin-cout-swapped": "swaps the C_in and C_out axes of the kernel",
    "stacked-first-axis": "stacks per-channel kernels along the first axis instead of the channel axis",
    "filter-axis-missing": "leaves out the kernel's filter (C_out) axis",
    "filter-axis-first": "puts the filter index first instead of last",
    "filters-concatenated": "concatenates filters along the channel axis (one deeper filter) instead of stacking them",
    "first-channel-only": "only the first input channel contributes",
    "window-one-pixel": "each channel contributes one pixel instead of the whole KH x KW window",
    # the channel sum and the bias
    "channels-not-summed": "convolves each channel separately and forgets to sum the partial maps",
    "channel-mean": "averages the per-channel maps instead of summing them",
    "summed-too-early": "sums the partial maps where they should be returned separately",
    "slices-misaligned": "pairs channel c with the wrong kernel slice",
    "maps-channels-last": "returns per-channel maps channels-last where (C_in, Ho, Wo) is asked",
    "bias-per-channel": "adds the bias once per input channel instead of once per filter, after the sum",
    "bias-missing": "forgets the bias",
    "bias-unwanted": "counts a bias although use_bias=False",
    "bias-per-layer": "counts one bias for the whole layer instead of one per filter",
    "first-layer-only": "counts only the first of two layers",
    "layer2-depth-cin": "gives the second layer's kernels the input's depth C_in instead of the first layer's f1",
    # flipping and orientation
    "kernel-flipped": "flips the kernel (true convolution) where deep learning cross-correlates",
    "kernel-not-flipped": "cross-correlates where a true convolution (flipped kernel) is asked",
    "kernel-flipped-one-axis": "flips the kernel along one axis only",
    "kernel-transposed": "uses the transposed kernel k.T (transposing is not flipping)",
    "output-transposed": "swaps rows and columns (H and W) of the output",
    "window-mean": "takes the mean of the products in a window instead of their sum",
    "channels-first": "returns channels-first (NCHW) where the course uses NHWC",
    "weights-transposed": "multiplies by w.T instead of w in a 1x1 convolution",
    "reshape-scrambles": "expects reshape to move axes (it re-reads memory in order)",
    # geometry: stride, padding, dilation
    "window-count-off-by-one": "drops the last window position (range(H - KH) instead of range(H - KH + 1))",
    "plus-one-missing": "forgets the +1 in the output-size formula",
    "rounds-up": "rounds up where the rule floors (or halves) down",
    "stride-ignored": "ignores the stride",
    "stride-axes-swapped": "swaps the row and column strides",
    "stride-subsamples-input": "subsamples the input before correlating instead of moving the window",
    "padding-ignored": "ignores the padding",
    "padding-one-side": "pads one side only",
    "padding-axes-swapped": "swaps the padding of the H and W axes",
    "padding-before-after-swapped": "swaps the padding before and after",
    "padding-not-zeros": "pads by repeating edge pixels instead of zeros",
    "same-extra-before": "puts TensorFlow 'same' padding's odd extra zero before (top/left) instead of after",
    "same-symmetric-k2": "uses the symmetric k // 2 padding (PyTorch's convention) for TensorFlow's 'same'",
    "same-odd-total-lost": "loses one zero of an odd 'same' padding total",
    "same-negative-total": "does not clip a negative 'same' padding total at 0",
    "unused-only-trailing": "counts only the rows after the last window as unused, not those between windows",
    "unused-counts-padding": "counts padding rows among the unused input rows",
    "dilation-ignored": "ignores the dilation",
    "dilation-k-times-d": "takes a dilated kernel to span k * d pixels instead of (k - 1) * d + 1",
    "dilation-repeats": "repeats the weights instead of inserting zeros between the taps",
    "dilation-off-by-one": "spaces the taps d + 1 apart instead of d",
    "depth-axis-first": "puts the depth-position axis first instead of last",
    "depth-reversed": "reverses the kernel's depth axis",
    "depth-one-position": "computes only the first depth position of a kernel sliding through the channels",
    "depth-not-valid": "gives a kernel sliding through the channels C depth positions instead of C - KD + 1",
    # im2col and GEMM
    "im2col-ci-first": "orders the patch columns (ci, kh, kw) instead of (kh, kw, ci)",
    "im2col-kw-kh": "orders the patch columns (kw, kh, ci) instead of (kh, kw, ci)",
    "im2col-transposed": "builds the transposed patch matrix (one column per output pixel)",
    "im2col-column-major": "orders the patch rows column-major instead of row-major",
    "im2col-not-flattened": "leaves the patches unflattened instead of a 2-D matrix",
    "kernel-matrix-ci-first": "orders the kernel matrix's rows (ci, kh, kw) instead of (kh, kw, ci)",
    "kernel-matrix-transposed": "builds the kernel matrix (C_out, KH*KW*C_in) instead of its transpose",
    "rows-input-pixels": "gives the patch matrix one row per input pixel instead of per output pixel",
    "patch-misses-cin": "leaves C_in out of a patch's length",
    "itemsize-missing": "counts numbers instead of bytes",
    "estimate-not-exact": "uses the KH*KW/stride^2 estimate instead of the exact patch matrix size",
    # backprop
    "grad-averaged": "averages the gradient where the loss sums (over images and positions)",
    "grad-batch-mean": "averages over the batch where the gradient sums over the images",
    "grad-position-mean": "averages over the positions where the gradient sums",
    "grad-first-image": "uses the first image of the batch only",
    "grad-batch-kept": "keeps the batch axis in a shared parameter's gradient",
    "grad-summed-channels": "sums the gradient over the channels too",
    "grad-channels-shared": "gives every input channel the same gradient (one 2-D gradient shared by the channels)",
    "grad-channel-axes-swapped": "swaps the C_in and C_out axes in a gradient",
    "grad-first-filter": "brings back only the first filter's gradient",
    "grad-not-full": "uses a valid instead of a full convolution for the input gradient",
    # groups
    "groups-interleaved": "takes every g-th channel for a group instead of a consecutive block",
    "groups-first-only": "lets every filter group see the first group's channels",
    "groups-one-group": "returns one group's maps only",
    "groups-ignored": "ignores the groups (counts a standard convolution)",
    "groups-divided-twice": "divides by the number of groups twice",
    "depthwise-order": "orders depthwise output channels m*C_in + c instead of c*M + m",
    "depthwise-depth": "gives the grouped kernel depth C_in instead of C_in/groups = 1",
    "separable-standard": "counts a standard convolution's cost for a separable layer",
    "separable-no-pointwise": "leaves out the pointwise (1x1) step",
    "separable-no-depthwise": "leaves out the depthwise step",
    "separable-multiplied": "multiplies the two steps' costs instead of adding them",
    # pooling
    "pool-across-channels": "takes a pooling window's max (or mean) across the channels too, instead of per channel",
    "pool-channels-summed": "sums the channels' pooled maps, as a convolution does, instead of keeping the C channels",
    "pool-stride-one": "lets a pooling layer's stride default to 1 instead of pool_size",
    "avg-pad-counted": "divides a 'same' average pool by k*k, counting the padded zeros (PyTorch's count_include_pad default), where TensorFlow divides by the real pixels",
    "maxpool-grad-spread": "spreads a max-pooling window's gradient evenly over the window instead of routing it to the arg-max",
    "maxpool-grad-all-ties": "gives a max-pooling window's gradient to every tied maximum instead of only the first",
    "maxpool-grad-last-max": "routes a max-pooling window's gradient to the last maximum on a tie instead of the first",
    # receptive fields
    "rf-kernels-added": "adds the kernel sizes of stacked layers to get the receptive field (3x3 + 3x3 = 6 instead of 5)",
    "rf-jump-ignored": "ignores the strides (the jump) when growing a receptive field",
    "rf-sizes-multiplied": "multiplies the kernel sizes of stacked layers to get the receptive field",
    "rf-own-stride": "multiplies a layer's receptive-field growth by the jump including its own stride",
    "jump-strides-added": "adds the strides to get the jump instead of multiplying them",
    "jump-times-dilation": "multiplies the dilations into the jump",
    "jump-last-stride-missing": "leaves the last layer's stride out of the jump",
    "jump-times-kernel": "multiplies the kernel sizes into the jump",
    # transposed convolution
    "transpose-forward-formula": "uses the forward convolution's output-size rule for a transposed convolution",
    "output-padding-ignored": "ignores a transposed convolution's output_padding (which of the stride's possible sizes it makes)",
    "transpose-padding-added": "adds a transposed convolution's padding to its output instead of cutting it from each side",
    "transpose-n-times-stride": "takes n stamps stride apart to span n * stride instead of (n - 1) * stride + k",
    "transpose-overlap-overwritten": "lets overlapping stamps of a transposed convolution overwrite each other instead of adding",
    "transpose-zeros-off-by-one": "inserts stride zeros between the input pixels of a transposed convolution instead of stride - 1",
    # conventions across frameworks
    "kernel-hw-swapped": "swaps the KH and KW axes when porting a kernel between layouts (e.g. w.T)",
    "same-lower-swapped": "puts ONNX SAME_LOWER's odd extra zero after instead of before",
    "symmetric-dilation-ignored": "pads k // 2 on both sides for PyTorch's symmetric 'same' instead of k_eff // 2 with the dilation",
    "same-symmetric-split": "computes the symmetric convention by halving TensorFlow's total instead of k_eff // 2",
    "flatten-identity": "believes PyTorch's (c, h, w) flatten and Keras' (h, w, c) flatten give the same order",
    "flatten-perm-inverse": "uses the inverse of the flatten permutation (maps the wrong way round)",
    "flatten-hw-swapped": "swaps h and w in a flatten order",
}


class Hint(str):
    """A hint's text (a ``str``) tagged with the id of the misconception it explains (``.misconception``)."""

    misconception: str | None = None

    def __new__(cls, misconception, text):
        self = super().__new__(cls, text)
        self.misconception = misconception
        return self

    def __reduce__(self):
        return (Hint, (self.misconception, str(self)))


def hint(misconception: str, text: str) -> Hint:
    """``text``, tagged with ``misconception`` (an id of :data:`MISCONCEPTIONS`)."""
    if misconception not in MISCONCEPTIONS:
        raise KeyError(f"unknown misconception id {misconception!r}: add it to convlib.checks.misconceptions")
    return Hint(misconception, text)


def misconception_of(text) -> str | None:
    """The id a hint is tagged with, or ``None``."""
    return getattr(text, "misconception", None)


def describe(misconception: str | None) -> str:
    """The one-line description of an id ("" for ``None`` or an unknown id)."""
    return MISCONCEPTIONS.get(misconception, "") if misconception else ""
