"""TensorFlow as the reference: the same convolution through ``tf.nn.conv2d``."""

import numpy as np


def dilate_kernel(w, dilation):
    """Insert ``dilation - 1`` zeros between taps: ``(KH, KW, C_in, C_out)`` -> dilated kernel."""
    dh, dw = dilation
    kh, kw = w.shape[:2]
    out = np.zeros(((kh - 1) * dh + 1, (kw - 1) * dw + 1, *w.shape[2:]), w.dtype)
    out[::dh, ::dw] = w
    return out


def tf_padding(padding, geometry):
    """TensorFlow's own 'VALID'/'SAME' for the strings, explicit numbers otherwise."""
    if isinstance(padding, str):
        return padding.upper()
    return [[0, 0], list(geometry.pads[0]), list(geometry.pads[1]), [0, 0]]


def tf_conv2d(tf, x, w, b=None, *, stride, padding, dilation, geometry):
    """``tf.nn.conv2d`` (plus bias).  TF's CPU kernel rejects dilation with stride > 1,
    so that case runs with an explicitly dilated kernel instead."""
    strides = [1, *geometry.stride, 1]
    dilations = geometry.dilation
    if geometry.stride != (1, 1) and dilations != (1, 1):
        w, dilations = dilate_kernel(w, dilations), (1, 1)
    y = tf.nn.conv2d(x, w, strides=strides, padding=tf_padding(padding, geometry), dilations=[1, *dilations, 1])
    if b is not None:
        y = tf.nn.bias_add(y, b)
    return y.numpy()
