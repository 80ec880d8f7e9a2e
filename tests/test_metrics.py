"""Accuracy, confusion matrix, mean NLL and calibration (ECE): by hand and by brute force."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad.data import read_idx, write_idx
from likelygrad.metrics import (
    accuracy,
    confusion_matrix,
    expected_calibration_error,
    mean_nll,
    reliability_bins,
)


def brute_force_ece(probs: np.ndarray, labels: np.ndarray, n_bins: int) -> float:
    """ECE by the definition, one bin and one example at a time (bins are (lo, hi])."""
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        members = [i for i in range(len(labels)) if lo < conf[i] <= hi or (b == 0 and conf[i] == 0)]
        if members:
            acc = np.mean([pred[i] == labels[i] for i in members])
            total += len(members) / len(labels) * abs(acc - np.mean(conf[members]))
    return total


def test_accuracy_accepts_labels_binary_probabilities_scores_and_tensors():
    y = np.array([0, 1, 2, 1])
    scores = np.array([[3.0, 1, 0], [0, 2, 1], [0, 1, 5], [4, 0, 0]])
    assert accuracy(scores, y) == 0.75
    assert accuracy(lg.tensor(scores), lg.tensor(y)) == 0.75
    assert accuracy(np.array([0, 1, 2, 2]), y) == 0.75
    assert accuracy(np.array([0.2, 0.9, 0.5, 0.51]), np.array([0, 1, 1, 1])) == 0.75  # 0.5 -> 0
    with pytest.raises(ValueError, match=r"\(4,\) and \(3,\)"):
        accuracy(scores, y[:3])


def test_confusion_matrix_rows_are_true_classes():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], num_classes=4)
    expected = np.zeros((4, 4), int)
    for t, p in [(0, 0), (0, 1), (1, 1), (2, 2), (2, 0), (2, 2)]:
        expected[t, p] += 1
    np.testing.assert_array_equal(cm, expected)
    with pytest.raises(ValueError, match="out of range for 2 classes"):
        confusion_matrix([0, 3], [0, 1], num_classes=2)


def test_mean_nll_per_example_or_picked_by_label():
    log_p = np.log(np.array([[0.5, 0.5], [0.9, 0.1]]))
    assert mean_nll(log_p, [0, 1]) == pytest.approx(-(np.log(0.5) + np.log(0.1)) / 2)
    assert mean_nll(log_p[:, 0]) == pytest.approx(-(np.log(0.5) + np.log(0.9)) / 2)
    with pytest.raises(ValueError, match="need labels"):
        mean_nll(log_p)


def test_ece_by_hand():
    # Three bins of width 1/3. Confidences 0.9, 0.8 (bin 2, one right: acc 0.5, conf 0.85) and
    # 0.6 (bin 1, right: acc 1, conf 0.6). ECE = 2/3 · |0.5 - 0.85| + 1/3 · |1 - 0.6| = 0.3667.
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    labels = np.array([0, 0, 0])
    bins = reliability_bins(probs, labels, n_bins=3)
    np.testing.assert_array_equal(bins.counts, [0, 1, 2])
    np.testing.assert_allclose(bins.confidence[1:], [0.6, 0.85])
    np.testing.assert_allclose(bins.accuracy[1:], [1.0, 0.5])
    assert np.isnan(bins.confidence[0]) and np.isnan(bins.accuracy[0])
    expected = 2 / 3 * 0.35 + 1 / 3 * 0.4
    assert expected_calibration_error(probs, labels, n_bins=3) == pytest.approx(expected)


def test_binary_probability_vector_is_two_classes():
    p1 = np.array([0.9, 0.2, 0.6, 0.35])
    y = np.array([1, 0, 0, 1])
    two = np.stack([1 - p1, p1], axis=1)
    assert expected_calibration_error(p1, y, 5) == expected_calibration_error(two, y, 5)
    with pytest.raises(ValueError, match="out of range for 2 classes"):
        expected_calibration_error(p1, np.array([0, 1, 2, 1]))


@pytest.mark.parametrize("n_bins", [1, 4, 15])
def test_ece_matches_brute_force(n_bins):
    rng = np.random.default_rng(n_bins)
    logits = rng.standard_normal((300, 4)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs[:5] = np.eye(4)[[0, 1, 2, 3, 0]]  # confidence exactly 1: the top edge, last bin
    labels = rng.integers(0, 4, 300)
    ece = expected_calibration_error(probs, labels, n_bins)
    assert ece == pytest.approx(brute_force_ece(probs, labels, n_bins), abs=1e-12)


def test_bin_edges_are_right_closed():
    bins = reliability_bins(np.array([0.0, 0.5, 0.5000001, 1.0]), np.array([0, 1, 1, 1]), 2)
    # confidences max(p, 1-p): 1.0, 0.5, 0.5000001, 1.0 -> 0.5 is in (0, 0.5], the rest (0.5, 1]
    np.testing.assert_array_equal(bins.counts, [1, 3])


def test_perfectly_calibrated_data_has_ece_near_zero():
    rng = np.random.default_rng(0)
    n = 200_000
    logits = rng.standard_normal((n, 3)) * 1.5
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # Draw each label from the model's own distribution: then it is exactly calibrated.
    labels = (rng.random(n)[:, None] > probs.cumsum(axis=1)).sum(axis=1)
    assert expected_calibration_error(probs, labels) < 0.01
    overconfident = probs**3 / (probs**3).sum(axis=1, keepdims=True)
    assert expected_calibration_error(overconfident, labels) > 0.1


def test_validation_names_shapes_and_fixes():
    with pytest.raises(ValueError, match="logits"):
        expected_calibration_error(np.array([[2.0, -1.0]]), [0])
    with pytest.raises(ValueError, match=r"got shape \(2, 2, 2\)"):
        reliability_bins(np.ones((2, 2, 2)) / 2, [0, 1])
    with pytest.raises(ValueError, match=r"\(3, 2\) and \(2,\)"):
        reliability_bins(np.full((3, 2), 0.5), [0, 1])
    with pytest.raises(ValueError, match="n_bins"):
        reliability_bins(np.full((2, 2), 0.5), [0, 1], n_bins=0)
    with pytest.raises(ValueError, match="integer class labels"):
        accuracy(np.ones((2, 2)), [0.5, 1])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint64, np.int8])
def test_confusion_matrix_of_unsigned_labels_as_idx_files_hold_them(dtype, tmp_path):
    # read_idx gives uint8 labels; 9·10 + 9 = 99 fits in uint8, but 30·31 + 30 = 960 does not
    y_true, y_pred = np.array([30, 0, 30, 2], dtype), np.array([30, 30, 1, 2], dtype)
    if dtype == np.uint8:
        write_idx(tmp_path / "labels.idx", y_true)
        y_true = read_idx(tmp_path / "labels.idx")
        assert y_true.dtype == np.uint8
    cm = confusion_matrix(y_true, y_pred)
    assert cm.shape == (31, 31) and cm.sum() == 4
    assert cm[30, 30] == cm[0, 30] == cm[30, 1] == cm[2, 2] == 1
    np.testing.assert_array_equal(confusion_matrix(y_true[:0], y_pred[:0], 3), np.zeros((3, 3)))
    assert accuracy(y_pred, y_true) == 0.5


def test_a_single_column_is_the_probability_of_class_1():
    y = np.array([0, 1, 1, 0])
    p1 = np.array([0.2, 0.9, 0.7, 0.6])  # right, right, right, wrong
    assert accuracy(p1[:, None], y) == accuracy(p1, y) == 0.75
    assert accuracy(lg.tensor(p1[:, None]), y) == 0.75
    bins_1d, bins_col = reliability_bins(p1, y, n_bins=5), reliability_bins(p1[:, None], y, 5)
    np.testing.assert_array_equal(bins_col.counts, bins_1d.counts)
    assert bins_col.ece == bins_1d.ece
    with pytest.raises(ValueError, match=r"\(N, 1\) array is read as p\(class 1\).*sigmoid"):
        accuracy(np.array([[2.5], [-1.0]]), [1, 0])
