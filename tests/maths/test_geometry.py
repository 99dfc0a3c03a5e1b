"""Output sizes and padding, worked examples from the formula."""

import pytest

from convlib import conv_geometry, output_size, same_padding


@pytest.mark.parametrize("n, k, s, p, d, expected", [
    (5, 3, 1, "valid", 1, 3),
    (5, 3, 1, "same", 1, 5),
    (5, 3, 2, 1, 1, 3),
    (7, 3, 2, "same", 1, 4),
    (224, 11, 4, (0, 0), 1, 54),       # floor((224 - 11) / 4) + 1
    (227, 11, 4, "valid", 1, 55),
    (10, 3, 1, "valid", 2, 6),        # k_eff = 5
    (6, 2, 1, (0, 1), 1, 6),
])
def test_output_size_examples(n, k, s, p, d, expected):
    assert output_size(n, k, s, p, d) == expected


@pytest.mark.parametrize("n, k, s, d, expected", [
    (5, 2, 1, 1, (0, 1)),   # odd total: the extra goes after (bottom/right)
    (5, 3, 1, 1, (1, 1)),
    (6, 3, 2, 1, (0, 1)),
    (7, 3, 2, 1, (1, 1)),
    (5, 3, 1, 2, (2, 2)),
    (4, 1, 1, 1, (0, 0)),
    (2, 5, 3, 1, (1, 2)),   # kernel larger than the input: 'same' still pads to fit
])
def test_same_padding_examples(n, k, s, d, expected):
    assert same_padding(n, k, s, d) == expected


def test_geometry_resolves_all_padding_forms():
    assert conv_geometry((5, 6), (3, 2), padding=1).pads == ((1, 1), (1, 1))
    assert conv_geometry((5, 6), (3, 2), padding=(2, 0)).pads == ((2, 2), (0, 0))
    assert conv_geometry((5, 6), (3, 2), padding=((0, 1), (2, 3))).pads == ((0, 1), (2, 3))
    g = conv_geometry((5, 6), (3, 2), stride=(2, 1), padding="SAME")
    assert g.pads == ((1, 1), (0, 1)) and g.out == (3, 6) and g.stride == (2, 1)
