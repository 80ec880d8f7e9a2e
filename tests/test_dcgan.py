"""A DCGAN on 28×28 images, as pytorch/examples' dcgan builds it (a generator of transposed
convolutions, batch norm, ReLU and Tanh; a convolutional discriminator with LeakyReLU; BCE;
Adam with betas (0.5, 0.999)), trained a few steps in likelygrad and in torch from the same
weights on the same batches: the same losses, weights and batch-norm statistics at every step."""

from __future__ import annotations

import numpy as np
import pytest

import likelygrad as lg

NZ, NGF, NDF, BATCH, STEPS = 8, 4, 4, 6, 3


def generator(nn):
    """latent (N, NZ, 1, 1) -> 7×7 -> 14×14 -> 28×28 image in (-1, 1)."""
    return nn.Sequential(
        nn.ConvTranspose2d(NZ, NGF * 4, 7, 1, 0, bias=False), nn.BatchNorm2d(NGF * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 4, NGF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(NGF * 2, 1, 4, 2, 1, bias=False), nn.Tanh(),
    )  # fmt: skip


def discriminator(nn):
    """image (N, 1, 28, 28) -> 14×14 -> 7×7 -> P(real) (N, 1, 1, 1)."""
    return nn.Sequential(
        nn.Conv2d(1, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(NDF * 2, 1, 7, 1, 0, bias=False), nn.Sigmoid(),
    )  # fmt: skip


def dcgan_init(torch, m):
    """The example's weights_init: convolutions N(0, 0.02), batch norm scales N(1, 0.02)."""
    name = type(m).__name__
    if "Conv" in name:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


def train(fw, net_g, net_d, batches):
    """The example's loop: D on a real and a fake batch, then G to fool D; returns the losses."""
    crit = fw.nn.BCELoss()
    opt_d = fw.optim.Adam(net_d.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_g = fw.optim.Adam(net_g.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real_label = fw.ones(BATCH, dtype=fw.float64)
    fake_label = fw.zeros(BATCH, dtype=fw.float64)
    losses = []
    for real, noise in batches:
        real, noise = fw.tensor(real), fw.tensor(noise)
        net_d.zero_grad()
        err_real = crit(net_d(real).view(-1), real_label)
        err_real.backward()
        fake = net_g(noise)
        err_fake = crit(net_d(fake.detach()).view(-1), fake_label)
        err_fake.backward()
        opt_d.step()
        net_g.zero_grad()
        err_g = crit(net_d(fake).view(-1), real_label)
        err_g.backward()
        opt_g.step()
        losses.append([err_real.item(), err_fake.item(), err_g.item()])
    return np.array(losses)


def test_dcgan_generator_trains_step_for_step_as_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tg, td = generator(torch.nn).double(), discriminator(torch.nn).double()
    tg.apply(lambda m: dcgan_init(torch, m))
    td.apply(lambda m: dcgan_init(torch, m))
    lg_g, lg_d = generator(lg.nn).double(), discriminator(lg.nn).double()
    for ours, theirs in ((lg_g, tg), (lg_d, td)):
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict({k: v.numpy().copy() for k, v in theirs.state_dict().items()})
    start = {k: v.numpy().copy() for k, v in lg_g.state_dict().items()}
    rng = np.random.default_rng(0)
    batches = [(np.tanh(2 * rng.standard_normal((BATCH, 1, 28, 28))),
                rng.standard_normal((BATCH, NZ, 1, 1))) for _ in range(STEPS)]  # fmt: skip
    ours, theirs = train(lg, lg_g, lg_d, batches), train(torch, tg, td, batches)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    for net, tnet in ((lg_g, tg), (lg_d, td)):
        want = tnet.state_dict()
        for k, v in net.state_dict().items():  # weights and batch-norm running statistics
            np.testing.assert_allclose(v.numpy(), want[k].numpy(), rtol=1e-8, atol=1e-12,
                                       err_msg=k)  # fmt: skip
    moved = [np.abs(lg_g.state_dict()[k].numpy() - v).max() for k, v in start.items()]
    assert min(moved) > 1e-4  # every generator tensor trained (Adam moves ~lr a step)
    with lg.no_grad():
        image = lg_g.eval()(lg.tensor(batches[0][1]))
    assert image.shape == (BATCH, 1, 28, 28) and float(image.abs().max()) < 1
