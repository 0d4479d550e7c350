"""Print Rasa's own dependency list as it would resolve on Python 3.10.

Rasa 3.6 declares Python <3.11. On 3.11 its markers drop the numpy, scipy, scikit-learn
and dask pins, which lets numpy 2 in and breaks TensorFlow 2.12. Evaluating the markers
as for Python 3.10 restores them. matplotlib<3.6 has no Python 3.11 wheel, so its pin is
raised to the first releases that have one. Used only to (re)generate requirements.lock.
"""

import sys
import zipfile

from packaging.requirements import Requirement

PY310_LINUX = {
    "python_version": "3.10",
    "python_full_version": "3.10.12",
    "sys_platform": "linux",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "extra": "",
}
OVERRIDES = {"matplotlib": "matplotlib>=3.6,<3.8"}


def main(wheel_path: str) -> None:
    with zipfile.ZipFile(wheel_path) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = wheel.read(name).decode()
    for line in metadata.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        req = Requirement(line.split(":", 1)[1].strip())
        if req.marker and not req.marker.evaluate(PY310_LINUX):
            continue
        req.marker = None
        print(OVERRIDES.get(req.name.lower(), str(req)))


if __name__ == "__main__":
    main(sys.argv[1])
