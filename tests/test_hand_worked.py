"""One step of the notes' network worked by hand, every intermediate written out.

Two inputs, two sigmoid hidden units, one sigmoid output, no biases (as in the notes):
    x = (1, 0.5), y = 1, θ^(h) = [[0.1, -0.2], [0.4, 0.3]] (row i: from x_i), θ^(y) = (0.5, -0.6)
The numbers below were computed by hand with the formulas in the comments (to 12 digits).
"""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg
from likelygrad import optim
from likelygrad.likelihoods import Bernoulli

X = np.array([1.0, 0.5])
THETA_H = np.array([[0.1, -0.2], [0.4, 0.3]])
THETA_Y = np.array([0.5, -0.6])

# forward
Z_H = [0.3, -0.05]  # Σ_i x_i θ_ij: 1·0.1 + 0.5·0.4, 1·(-0.2) + 0.5·0.3
H = [0.574442516812, 0.487502603516]  # σ(0.3), σ(-0.05)
Z_Y = -0.005280303704  # 0.5·0.574442516812 - 0.6·0.487502603516
Y_HAT = 0.498679927141  # σ(Z_Y)
LL = -0.695790817609  # y log ŷ + (1 - y) log(1 - ŷ) with y = 1: log 0.498679927141
# backward, the notes' chain: ∂LL/∂θ = ∂LL/∂ŷ · ∂ŷ/∂z · ∂z/∂θ
DLL_DYHAT = 2.005294269077  # y/ŷ - (1 - y)/(1 - ŷ) = 1/ŷ
DYHAT_DZ = 0.249998257408  # ŷ (1 - ŷ); their product is y - ŷ = 0.501320072859
G_Y = [0.287979564381, 0.244394840713]  # (y - ŷ) h_j
G_H = [  # x_i (y - ŷ) θ_j^(y) h_j (1 - h_j)
    [0.061275929314, -0.075151031748],
    [0.030637964657, -0.037575515874],
]
# one step of gradient ascent with learning rate 1: θ ← θ + ∂LL/∂θ
THETA_H_NEXT = [[0.161275929314, -0.275151031748], [0.430637964657, 0.262424484126]]
THETA_Y_NEXT = [0.787979564381, -0.355605159287]


def test_one_step_matches_the_hand_computation():
    th = lg.tensor(THETA_H, requires_grad=True)
    ty = lg.tensor(THETA_Y, requires_grad=True)
    z_h = (lg.tensor(X) @ th).retain_grad()
    h = z_h.sigmoid().retain_grad()
    z_y = (h @ ty).retain_grad()
    y_hat = z_y.sigmoid().retain_grad()
    ll = Bernoulli(logits=z_y).log_prob(np.array(1.0))
    ll_from_probs = y_hat.log()  # the notes' form, fine for a probability this far from 0
    assert z_h.numpy() == pytest.approx(Z_H, abs=1e-12)
    assert h.numpy() == pytest.approx(H, abs=1e-12)
    assert z_y.item() == pytest.approx(Z_Y, abs=1e-12)
    assert y_hat.item() == pytest.approx(Y_HAT, abs=1e-12)
    assert ll.item() == pytest.approx(LL, abs=1e-12)
    assert ll_from_probs.item() == pytest.approx(LL, abs=1e-12)

    ll_from_probs.backward()
    assert y_hat.grad == pytest.approx(DLL_DYHAT, abs=1e-11)
    assert z_y.grad == pytest.approx(DLL_DYHAT * DYHAT_DZ, abs=1e-11)
    assert ty.grad == pytest.approx(np.array(G_Y), abs=1e-12)
    assert th.grad == pytest.approx(np.array(G_H), abs=1e-12)

    opt = optim.SGD([th, ty], lr=1.0, maximize=True)  # gradient ascent, as the notes write it
    opt.step()
    assert th.numpy() == pytest.approx(np.array(THETA_H_NEXT), abs=1e-12)
    assert ty.numpy() == pytest.approx(np.array(THETA_Y_NEXT), abs=1e-12)


def test_the_fused_logit_gradient_is_y_minus_yhat():
    z = lg.tensor(np.array(Z_Y), requires_grad=True)  # float64: Python numbers give float32
    Bernoulli(logits=z).log_prob(np.array(1.0)).backward()
    assert z.grad == pytest.approx(1 - Y_HAT, abs=1e-12)
