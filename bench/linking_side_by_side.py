"""The old and the new `link csv` on one benchmark file at the same time, each in its own process.

On a shared machine wall times depend on who else runs; two processes started together share the same load,
so their ratio compares. Each run's process CPU seconds (user + system, from wait4) and peak memory are its
own. The old code is a source tree given by --old-src (e.g. `git archive <commit> src | tar -x -C /tmp/old`).
Prints one JSON object, also written to var/bench/linking_side_by_side.json.

    .venv/bin/python bench/linking_side_by_side.py --old-src /tmp/old/src [--n 1000000] [--data dense] --keep DIR
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safehub.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django  # noqa: E402

django.setup()

from linking_common import write_result  # noqa: E402
from linking_million import GENERATORS, _load, generated, scored  # noqa: E402

NEW_SRC = Path(__file__).resolve().parent.parent / "src"
MILLION = Path(__file__).resolve().parent / "linking_million.py"


def start(src, csv_path, out_path, threshold):
    environment = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    command = [sys.executable, str(MILLION), "--child", "safehub", "--csv", str(csv_path), "--out", str(out_path),
               "--threshold", str(threshold)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, env=environment)


def finish(process, started):
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit("a run failed")
    return {"seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_memory_mb": round(usage.ru_maxrss / 1024, 1), "load_average_1min_after": _load(),
            **json.loads(output)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-src", required=True)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--data", choices=sorted(GENERATORS), default="dense")
    parser.add_argument("--threshold", type=float, default=0.99)
    parser.add_argument("--keep", help="keep the generated file and its truth in this folder (reused next time)")
    args = parser.parse_args()
    report = {"benchmark": "linking_side_by_side", "records": args.n, "data": args.data,
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_path, truth, pools, _ = generated(args, tmp)
        report["load_average_1min_before"] = _load()
        started = time.perf_counter()
        runs = {name: start(src, csv_path, tmp / f"{name}.csv", args.threshold)
                for name, src in (("old", args.old_src), ("new", NEW_SRC))}
        with ThreadPoolExecutor(2) as pool:  # each run's seconds end when it ends, not when the other does
            finished = {name: pool.submit(finish, process, started) for name, process in runs.items()}
        for name, run in finished.items():
            report[name] = scored(run.result(), tmp / f"{name}.csv", truth, pools)
    report["new_over_old"] = {key: round(report["new"][key] / report["old"][key], 2)
                              for key in ("seconds", "cpu_seconds", "peak_memory_mb")}
    write_result("linking_side_by_side", report)


if __name__ == "__main__":
    main()
