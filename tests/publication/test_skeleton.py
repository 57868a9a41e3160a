"""The skeleton folds case, accents, spacing and OCR confusions and keeps original spans."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openimr.publication.skeleton import skeleton, skeleton_of


def test_folds_case_accents_spacing_and_ocr() -> None:
    assert skeleton_of("García-Hernández") == skeleton_of("GARCIA HERNANDEZ")
    assert skeleton_of("G a r c í a") == skeleton_of("Garcia")
    assert skeleton_of("Garc1a") == skeleton_of("Garcia") == skeleton_of("Garcla")
    assert skeleton_of("Amold") == skeleton_of("Arnold")
    assert skeleton_of("O'Connor") == skeleton_of("OConnor")
    assert skeleton_of("555-0134") == skeleton_of("555 O134")


def test_spans_point_back_into_the_text() -> None:
    text = "Seen by G a r-\ncia today"
    skel = skeleton(text)
    at = skel.text.index(skeleton_of("Garcia"))
    start, end = skel.span(at, at + len(skeleton_of("Garcia")) - 1)
    assert text[start:end] == "G a r-\ncia"


@given(st.text(max_size=200))
def test_every_skeleton_character_maps_inside_the_text(text: str) -> None:
    skel = skeleton(text)
    assert len(skel.text) == len(skel.starts) == len(skel.ends)
    for start, end in zip(skel.starts, skel.ends, strict=True):
        assert 0 <= start < end <= len(text)
    assert list(skel.starts) == sorted(skel.starts)


def test_ocr_pairs_fold_only_where_the_letters_touch() -> None:
    # "for Noka": the r and the n belong to two words and stay two letters
    assert skeleton_of("Noka") in skeleton_of("requested for Noka")
    assert skeleton_of("Ar nold", merge_pairs=False) == skeleton_of("Arnold", merge_pairs=False)
