"""Downloads from a local HTTP server: success, checksum mismatch, interruptions, offline."""

import dataclasses
import hashlib
import http.server
import os
import socket
import stat
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import cache, needs_sample, sample_file

from likelygrad.data import (
    ChecksumError,
    DownloadError,
    RemoteFile,
    download_file,
    load_dataset,
    sources,
    write_idx,
)

IDX_NAMES = [f.name for f in sources.DATASETS["mnist"].files]


@pytest.fixture
def server(tmp_path):
    """Serves tmp_path/www; a file named in ``cut`` is announced whole but sent half."""
    www = tmp_path / "www"
    www.mkdir()
    cut: set[str] = set()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(www), **kwargs)

        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            if name not in cut:
                return super().do_GET()
            data = (www / self.path.lstrip("/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www, cut
    httpd.shutdown()
    httpd.server_close()


def dead_url() -> str:
    """A URL on a port nothing listens on: connection refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def publish(www: Path, monkeypatch, name: str = "mnist", wrong: int | None = None) -> list:
    """Put a tiny set on the server and make the registry expect its digests and sizes.

    ``wrong``: the index of a file whose expected digest is made not to match.
    """
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (12, 5)]
    arrays[1:1] = [rng.integers(0, 10, 12, dtype=np.uint8)]
    arrays.append(rng.integers(0, 10, 5, dtype=np.uint8))
    (www / name).mkdir()
    files = []
    for i, f in enumerate(sources.DATASETS[name].files):
        write_idx(www / name / f.name, arrays[i])
        data = (www / name / f.name).read_bytes()
        digest = hashlib.sha256(data + (b"x" if i == wrong else b"")).hexdigest()
        files.append(RemoteFile(f.name, f"sha256:{digest}", len(data)))
    spec = dataclasses.replace(sources.DATASETS[name], files=tuple(files))
    monkeypatch.setitem(sources.DATASETS, name, spec)
    return arrays


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*"))


def test_download_lands_in_the_cache_verified(home, server, monkeypatch, capsys):
    url, www, _ = server
    x_test = publish(www, monkeypatch)[2]
    monkeypatch.setenv("LIKELYGRAD_MIRROR", f"{dead_url()}/{{name}}, {url}/{{name}}/")
    ds = load_dataset("mnist")
    assert ds.name == "mnist" and ds.source == str(cache(home))
    np.testing.assert_array_equal(ds.x_test, x_test)
    assert leftovers(cache(home)) == sorted(IDX_NAMES)  # no temporary files
    for f in sources.DATASETS["mnist"].files:
        assert (
            "sha256:" + hashlib.sha256((cache(home) / f.name).read_bytes()).hexdigest() == f.digest
        )
    err = capsys.readouterr().err
    assert "failed: http://127.0.0.1" in err and f"downloading {url}/mnist/" in err
    # Found in the cache from now on, even with every mirror down.
    assert load_dataset("mnist", mirrors=[dead_url()]).source == str(cache(home))


def test_download_goes_to_data_dir_then_env(home, server, monkeypatch, tmp_path):
    url, www, _ = server
    publish(www, monkeypatch, "fashion-mnist")
    bases = [url + "/{name}"]
    ds = load_dataset("fashion-mnist", tmp_path / "mine", mirrors=bases, verbose=False)
    assert ds.source == str(tmp_path / "mine" / "fashion-mnist")
    monkeypatch.setenv("LIKELYGRAD_DATA", str(tmp_path / "env"))
    ds = load_dataset("fashion-mnist", mirrors=bases, verbose=False)
    assert ds.source == str(tmp_path / "env" / "fashion-mnist")
    assert not cache(home, "fashion-mnist").exists()


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])  # mnist must not fall back
def test_checksum_mismatch_leaves_nothing_behind(home, server, monkeypatch, name):
    url, www, _ = server
    publish(www, monkeypatch, name, wrong=0)
    expected = sources.DATASETS[name].files[0].hexdigest
    got = hashlib.sha256((www / name / IDX_NAMES[0]).read_bytes()).hexdigest()
    with pytest.raises(ValueError) as info:
        load_dataset(name, mirrors=[f"{url}/{name}"], verbose=False)
    message = str(info.value)
    assert f"checksum mismatch for {IDX_NAMES[0]}" in message
    assert f"expected sha256 {expected}, got {got}" in message
    assert not cache(home, name).exists()  # no file, no temporary file, no empty folder


def test_a_mirror_sending_too_much_is_cut_off(home, server, monkeypatch, tmp_path):
    url, www, _ = server
    publish(www, monkeypatch)
    remote = dataclasses.replace(sources.DATASETS["mnist"].files[0], size=10)
    with pytest.raises(ValueError, match="offers .* bytes"):
        download_file(f"{url}/mnist/{remote.name}", tmp_path / "out" / remote.name, remote)
    assert not (tmp_path / "out").exists()


def test_interrupted_download_leaves_nothing_behind(home, server, monkeypatch):
    url, www, cut = server
    publish(www, monkeypatch, "fashion-mnist")
    cut.add(IDX_NAMES[0])
    with pytest.raises(FileNotFoundError, match=r"connection closed after \d+ of \d+ bytes"):
        load_dataset("fashion-mnist", mirrors=[f"{url}/fashion-mnist"], verbose=False)
    assert not cache(home, "fashion-mnist").exists()


@pytest.mark.parametrize("tqdm", ["installed", "missing"])
def test_progress_on_a_terminal(server, monkeypatch, capsys, tmp_path, tqdm):
    url, www, _ = server
    publish(www, monkeypatch)
    if tqdm == "missing":
        monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    remote = sources.DATASETS["mnist"].files[0]
    download_file(f"{url}/mnist/{remote.name}", tmp_path / "out" / remote.name, remote)
    assert remote.name in capsys.readouterr().err
    assert leftovers(tmp_path / "out") == [remote.name]


def test_ctrl_c_during_download_leaves_nothing_behind(tmp_path, monkeypatch):
    from likelygrad.data import download as download_module

    def interrupted(url, out, expected, timeout, verbose):
        out.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(download_module, "_stream", interrupted)
    with pytest.raises(KeyboardInterrupt):
        download_file("http://unused", tmp_path / "f.gz", RemoteFile("f.gz", "sha256:00"))
    assert leftovers(tmp_path) == []


def test_offline_error_lists_everything_tried(home, tmp_path, monkeypatch):
    monkeypatch.setenv("LIKELYGRAD_DATA", str(tmp_path / "env"))
    down = [dead_url(), dead_url() + "/b"]
    with pytest.raises(FileNotFoundError) as info:
        load_dataset("fashion-mnist", tmp_path / "given", mirrors=down, verbose=False)
    message = str(info.value)
    for place in [
        tmp_path / "given" / "fashion-mnist",
        tmp_path / "given",
        tmp_path / "env" / "fashion-mnist",
        cache(home, "fashion-mnist"),
        tmp_path / "sys",
    ]:
        assert f"{place} (" in message
    assert all(f"{base}/{IDX_NAMES[0]}: " in message for base in down)
    assert "apt-get install dataset-fashion-mnist" in message and "data_dir" in message
    assert not (tmp_path / "given" / "fashion-mnist").exists()  # not even an empty folder


@needs_sample
@pytest.mark.parametrize("offline", ["mirrors down", "download=False"])
def test_mnist_falls_back_to_the_sample_with_a_notice(home, capsys, offline):
    kwargs = {"download": False} if offline == "download=False" else {"mirrors": [dead_url()]}
    ds = load_dataset("mnist", verbose=False, **kwargs)
    assert ds.name == "mnist-sample" and len(ds.x_train) == 4000
    err = capsys.readouterr().err
    assert "falling back to mnist-sample" in err and "mnist_5k.csv.gz" in err


@needs_sample
def test_a_failed_download_is_not_retried_in_the_same_process(home, capsys, monkeypatch):
    from likelygrad.data import datasets

    tries = []

    def unreachable(urls, dest, expected, timeout, verbose):
        tries.append(expected.name)
        raise DownloadError(expected.name, [(u, ConnectionRefusedError("refused")) for u in urls])

    monkeypatch.setattr(datasets, "download_first", unreachable)
    mirrors = [dead_url(), dead_url()]
    names = [load_dataset("mnist", mirrors=mirrors).name for _ in range(3)]
    assert names == ["mnist-sample"] * 3 and tries == [IDX_NAMES[0]]  # one try, not three
    err = capsys.readouterr().err
    assert err.count("falling back to mnist-sample") == 1 and err.count("\n") == 1, err


def test_no_fallback_when_the_sample_is_missing_too(home, no_sample):
    with pytest.raises(FileNotFoundError, match="(?s)download=False.*no fallback: mnist-sample"):
        load_dataset("mnist", download=False)
    with pytest.raises(FileNotFoundError, match="not downloadable"):
        load_dataset("mnist-sample", mirrors=["http://127.0.0.1:9"])  # no digest to check


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_downloaded_files_get_the_permissions_the_umask_allows(server, monkeypatch, tmp_path):
    url, www, _ = server
    publish(www, monkeypatch)
    remote = sources.DATASETS["mnist"].files[0]
    old = os.umask(0o022)
    try:
        path = download_file(f"{url}/mnist/{remote.name}", tmp_path / remote.name, remote, 5, False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's private 0o600


@pytest.mark.parametrize("sample", ["present", "missing"])
def test_a_mirror_without_a_scheme_is_unreachable_not_corrupt(home, monkeypatch, sample, request):
    # urllib raises ValueError("unknown url type") for it: no integrity error, so mnist falls back
    assert not DownloadError("f", [("x", ValueError("unknown url type: 'x'"))]).corrupt
    assert DownloadError("f", [("x", ChecksumError("checksum mismatch"))]).corrupt
    monkeypatch.setenv("LIKELYGRAD_MIRROR", "example.invalid/x")
    if sample == "present":
        if sample_file() is None:
            pytest.skip("mnist-sample's mnist_5k.csv.gz absent")
        assert load_dataset("mnist", verbose=False).name == "mnist-sample"
        return
    request.getfixturevalue("no_sample")
    with pytest.raises(FileNotFoundError, match="(?s)unknown url type.*no fallback: mnist-sample"):
        load_dataset("mnist", verbose=False)
