#!/usr/bin/env python3
"""Batch benchmark: run by hand, not in CI.

    python3 bench/run.py [--records 1000] [--memory-notices 10000] [--skip-memory]

Builds the release binary, makes synthetic records from the samples (each with its own
id; 3 language forms each, so 1 record = 3 notices), and prints each figure of issue 6
with its ratio and the command that produced it. A "notice" is one register in one
language form, as PDF + DOCX (+ signatures and archive entry in the full pipeline).
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "seloste"


def make_records(folder, count):
    """`count` records made from the samples, with the samples' organisation files."""
    samples = ROOT / "samples"
    shutil.copytree(samples / "organisations", folder / "organisations")
    shutil.copy(samples / "archive-plan.yaml", folder / "archive-plan.yaml")
    sources = sorted(p for p in samples.glob("*.yaml") if p.name != "archive-plan.yaml")
    for index in range(count):
        source = sources[index % len(sources)]
        text = source.read_text(encoding="utf-8")
        new_id = f"{source.stem}-{index:05d}"
        (folder / f"{new_id}.yaml").write_text(text.replace(f"id: {source.stem}\n", f"id: {new_id}\n"), encoding="utf-8")


def measure(args):
    """Runs the command; returns (seconds, peak RSS in MiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, args))}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def show(name, value, goal, command):
    print(f"{name:<44} {value:<30} goal: {goal}")
    print(f"    $ {' '.join(map(str, command))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000 // 3 + 1, help="records for the speed figures (3 notices each)")
    parser.add_argument("--memory-notices", type=int, default=10000, help="notices for the large memory run")
    parser.add_argument("--skip-memory", action="store_true")
    options = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="seloste-bench-"))
    records = work / "records"
    make_records(records, options.records)
    notices = options.records * 3
    keys = work / "keys"
    subprocess.run([BINARY, "keygen", "-o", keys], check=True, stdout=subprocess.DEVNULL)
    signing = ["--key", keys / "key.pem", "--cert", keys / "cert.pem"]
    print(f"{options.records} records, {notices} notices, {os.cpu_count()} cores; work folder {work}\n")

    def full(jobs, tag):
        return [BINARY, "batch", records, "-o", work / f"out-{tag}", "--jobs", str(jobs), *signing, "--archive", work / f"archive-{tag}"]

    pdf_only = [BINARY, "batch", records, "-o", work / "out-pdf", "--jobs", "2", "--format", "pdf"]
    full2_cmd, full1_cmd = full(2, "full2"), full(1, "full1")
    full2, rss_small = measure(full2_cmd)
    full1, _ = measure(full1_cmd)
    pdf2, _ = measure(pdf_only)

    show("full pipeline, 2 jobs", f"{notices / full2:.1f} notices/s", ">= 150 notices/s", full2_cmd)
    show("full ÷ PDF-only (unsigned), 2 jobs", f"{full2 / pdf2:.2f} ({full2:.2f} s / {pdf2:.2f} s)", "<= 1.3", pdf_only)
    show("2 jobs ÷ 1 job, throughput", f"{full1 / full2:.2f} ({full1:.2f} s / {full2:.2f} s)", ">= 1.8", full1_cmd)

    typst = shutil.which("typst")
    if typst is None:
        print(f"{'typst CLI baseline':<44} not measured: typst is not installed (cargo install typst-cli --version 0.15.1)")
    else:
        print(f"{'typst CLI baseline':<44} not measured: seloste cannot yet write the composed documents for the typst CLI")

    if not options.skip_memory:
        big_records = work / "records-big"
        make_records(big_records, options.memory_notices // 3 + 1)
        small_cmd = [BINARY, "batch", records, "-o", work / "mem-small", "--jobs", "2", "--format", "pdf"]
        big_cmd = [BINARY, "batch", big_records, "-o", work / "mem-big", "--jobs", "2", "--format", "pdf"]
        _, small_rss = measure(small_cmd)
        _, big_rss = measure(big_cmd)
        show(f"peak RSS, {notices} notices (PDF)", f"{small_rss:.0f} MiB", "", small_cmd)
        show(f"peak RSS, {options.memory_notices} notices (PDF)", f"{big_rss:.0f} MiB, ratio {big_rss / small_rss:.2f}", "<= 1.2x and < 400 MB", big_cmd)
    print(f"\npeak RSS of the full pipeline run: {rss_small:.0f} MiB")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
