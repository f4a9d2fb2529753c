"""Run the README's quickstart, exactly as written, against a real mfad.

The shell blocks of the "Quickstart" section are joined and run with bash
in a fresh folder where ./build points at the binaries under test. Only the
port changes, so the test can run beside other servers.
"""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

SOURCE_DIR = os.environ.get(
    "MFA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
MFAD_BIN = os.environ.get("MFAD_BIN", os.path.join(SOURCE_DIR, "build", "mfad"))


def quickstart_script():
    with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return "\n".join(blocks)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReadmeQuickstart(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mfad-readme-")
        os.symlink(os.path.dirname(os.path.abspath(MFAD_BIN)), os.path.join(self.dir, "build"))
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "mfad.log"), "wb")
        self.server = subprocess.Popen(
            ["./build/mfad", "--data-dir", "./mfad-data", "--listen",
             f"127.0.0.1:{self.port}"],
            cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        self.fail("mfad did not answer /healthz within 20 s")

    def tearDown(self):
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self.log.close()
        shutil.rmtree(self.dir)

    def test_quickstart_runs_as_written(self):
        script = quickstart_script().replace("127.0.0.1:8080", f"127.0.0.1:{self.port}")
        self.assertIn("LoginMFA", script, "the Quickstart section lost its blocks")
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=self.dir,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0,
                         f"quickstart failed:\n{done.stdout}\n{done.stderr}")
        self.assertIn('"Factors":["password","totp"]', done.stdout,
                      f"WhoAmI did not show both factors:\n{done.stdout}")
        self.assertNotIn('"code":', done.stdout,
                         f"a quickstart step returned an error:\n{done.stdout}")


if __name__ == "__main__":
    unittest.main()
