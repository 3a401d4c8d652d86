#!/usr/bin/env python3
"""Batch benchmark: run by hand, not in CI.

    python3 bench/run.py [--records 334] [--repeat 3] [--memory-notices 10000] [--skip-memory]
                         [--binary PATH] [--work-dir DIR] [--import-sources 500] [--import-only]
                         [--token-only] [--html-only] [--disk-only]

Builds the release binary (or takes --binary, e.g. an older build for a before/after
comparison), makes synthetic records from the samples that differ as real registers do
(each its own name, purposes and data categories, seeded so runs compare; 3 language
forms each, so 1 record = 3 notices), and prints each figure with its goal (issue 19's)
and the command that produced it. The same documents repeated are measured once more,
labelled as the best case they are: Typst's memo cache lays them out only once. A "notice" is one register in one language form, as
PDF + DOCX (+ signatures and archive entry in the full pipeline).

Each timing is the median of --repeat runs, with the spread; the peak memory is the
highest of its runs. The commands a figure compares run in turn, one run of each per
round, after a sync, so that load on a shared machine and the disk's writeback fall on
all of them alike. Every run writes into new
folders and nothing is deleted until the end: right after many files are deleted, ext4
spends long searching for free inodes, which once made a run 3x slower. The work folder
is on /tmp unless --work-dir says otherwise (/dev/shm keeps the disk out of the figures).

The import figure times `seloste import` on a folder of old notices made from the test
notices in tests/data/import (text, and the same notices as DOCX, PDF and HTML when
LibreOffice is there to make them), each copy naming its own register.

The token figure signs the same batch with the key on a SoftHSM2 token (PKCS#11) and
with the same key as a file, when softhsm2-util and pkcs11-tool are installed.

The disk figure runs the full pipeline (signed, archived, 2 jobs) into the work folder
and into /dev/shm in turn, after a sync each, when the work folder is on a disk.

The HTML figure runs the full pipeline (signed, archived, 2 jobs) with the web pages
and the register index added to PDF + DOCX, against PDF + DOCX alone.

The typst CLI baseline compiles the same documents with `typst compile`, one process per
document, two at a time, from the JSON seloste composes (`--format json`, not timed)
and templates/notice.typ; it needs `typst` on PATH
(`cargo install typst-cli --version 0.15.1`).
"""

import argparse
import concurrent.futures
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def make_records(folder, count, varied=True):
    """`count` records made from the samples, with the samples' organisation files.

    Varied (the default), each differs as real registers do: its own name, its purposes
    and data categories drawn from all the samples' (in another order, other counts),
    and a sentence of its own, from a generator seeded by the record's number, so runs
    are comparable. Not varied, the copies differ only in their id: the same documents
    again, which Typst's memo cache lays out once (a best case, not a real batch)."""
    import random
    import yaml

    samples = ROOT / "samples"
    shutil.copytree(samples / "organisations", folder / "organisations")
    shutil.copy(samples / "archive-plan.yaml", folder / "archive-plan.yaml")
    sources = sorted(p for p in samples.glob("*.yaml") if p.name != "archive-plan.yaml")
    texts = [source.read_text(encoding="utf-8") for source in sources]
    loaded = [yaml.safe_load(text) for text in texts]

    def pool(key):
        items = []
        for record in loaded:
            for entry in record.get(key) or []:
                items.extend(entry.get("items", [entry]) if isinstance(entry, dict) and "items" in entry else [entry])
        return [item for item in items if isinstance(item, dict) and "fi" in item]

    purposes, categories = pool("purposes"), pool("data_categories")
    words = ["asiakas", "palvelu", "tuki", "hoito", "opetus", "kirjasto", "nuoriso", "liikunta", "ympäristö", "tekninen"]
    for index in range(count):
        source = sources[index % len(sources)]
        new_id = f"{source.stem}-{index:05d}"
        if not varied:
            text = texts[index % len(texts)].replace(f"id: {source.stem}\n", f"id: {new_id}\n")
            (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")
            continue
        rng = random.Random(index)
        record = yaml.safe_load(texts[index % len(texts)])
        record["id"] = new_id
        extra = rng.choice(words)
        record["name"] = {lang: f"{text} ({extra}{index})" for lang, text in record["name"].items()}
        langs = record.get("languages", ["fi"])
        def localized(item):
            return {lang: item.get(lang, item["fi"]) for lang in langs}
        record["purposes"] = [localized(item) for item in rng.sample(purposes, rng.randint(2, min(6, len(purposes))))]
        record["purposes"].append({lang: f"Rekisterin {index}. käyttötarkoitus: {extra}palveluiden kehittäminen." for lang in langs})
        chosen = rng.sample(categories, rng.randint(4, min(14, len(categories))))
        record["data_categories"] = [{"items": [localized(item) for item in chosen]}]
        (folder / f"{new_id}.yaml").write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def run_once(args):
    """Runs the command; returns (seconds, peak RSS in MiB)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, args))}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


class Timing:
    """The median of repeated runs, with the spread."""

    def __init__(self, seconds, rss):
        self.runs = sorted(seconds)
        self.seconds = statistics.median(seconds)
        self.rss = max(rss)

    def spread(self):
        return f"{self.runs[0]:.2f}-{self.runs[-1]:.2f} s over {len(self.runs)}"


def measure_in_turn(runners, repeat):
    """Runs each of `runners` (run -> (seconds, peak RSS in MiB)) once per round, for
    `repeat` rounds, each after flushing what earlier runs left to write. A figure that
    compares two of them is then fair on a shared machine: load that comes and goes falls
    on both alike, not on whichever was measured while it lasted (run one after the
    other, PDF-only measured 10.2 s in one run and 12.4 s in the next). And on a disk, a
    run does not pay for the writeback of the one before."""
    results = [([], []) for _ in runners]
    for run in range(repeat):
        for runner, (seconds, rss) in zip(runners, results):
            os.sync()
            elapsed, peak = runner(run)
            seconds.append(elapsed)
            rss.append(peak)
    return [Timing(*result) for result in results]


def command(make_command):
    """A runner for measure_in_turn: runs `make_command(run)` as one process."""
    return lambda run: run_once(make_command(run))


def run_together(commands):
    """Seconds for the commands run at once, as separate processes."""
    started = time.perf_counter()
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for command in commands]
    for command, process in zip(commands, processes):
        if process.wait() != 0:
            sys.exit(f"failed: {' '.join(map(str, command))}\n{process.stderr.read().decode()}")
    return time.perf_counter() - started


def show(name, value, goal, command):
    print(f"{name:<40} {value:<48} goal: {goal}")
    print(f"    $ {' '.join(map(str, command))}")


def make_import_sources(folder, count, work):
    """`count` old notices, each naming its own register, in every format we can make."""
    corpus = ROOT / "tests" / "data" / "import"
    texts = sorted(corpus.glob("*.txt")) + sorted((corpus / "legacy").glob("*.txt"))
    folder.mkdir(parents=True)
    converted = work / "import-formats"
    converted.mkdir()
    formats = [("txt", None)]
    if shutil.which("soffice"):
        formats += [("docx", "docx:MS Word 2007 XML"), ("pdf", "pdf:writer_pdf_Export")]
    for index in range(count):
        source = texts[index % len(texts)]
        extension, filter_name = formats[(index // len(texts)) % len(formats)]
        text = source.read_text(encoding="utf-8", errors="replace")
        # Its own register: a number after the first line that names one.
        lines = text.splitlines()
        for at, line in enumerate(lines):
            if "rekisteri" in line.lower() or "register" in line.lower():
                lines[at] = f"{line} {index}"
                break
        plain = converted / f"notice-{index:04}.txt"
        plain.write_text("\n".join(lines) + "\n", encoding="utf-8")
        if filter_name is None:
            shutil.copy(plain, folder / plain.name)
            continue
        profile = f"-env:UserInstallation=file://{work / 'lo-profile'}"
        subprocess.run(
            ["soffice", profile, "--headless", "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", filter_name, "--outdir", folder, plain],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )


def import_figure(binary, work, count, repeat):
    sources = work / "import-sources"
    make_import_sources(sources, count, work)
    kinds = sorted({path.suffix for path in sources.iterdir()})

    def import_all(run):
        return [binary, "import", sources, "-o", work / f"import-{run}"]

    (timing,) = measure_in_turn([command(import_all)], repeat)
    show(f"import, {count} old notices ({', '.join(kinds)})", f"{timing.seconds:.2f} s, {count / timing.seconds:.0f} notices/s ({timing.spread()})", "< 10 s", import_all(0))


SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def token_figure(binary, records, notices, keys, work, repeat):
    """Batch throughput with the key on a SoftHSM2 token against the same key as a file."""
    if not (shutil.which("softhsm2-util") and shutil.which("pkcs11-tool") and os.path.exists(SOFTHSM)):
        print(f"{'signing through a PKCS#11 token':<40} not measured: SoftHSM2 and OpenSC are not installed")
        return
    token_dir = work / "token"
    (token_dir / "tokens").mkdir(parents=True)
    conf = token_dir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {token_dir / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    pin = token_dir / "pin"
    pin.write_text("1234\n")
    quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "bench", "--pin", "1234", "--so-pin", "123456"], **quiet)
    subprocess.run(["softhsm2-util", "--import", keys / "key.pem", "--token", "bench", "--label", "signer", "--id", "01", "--pin", "1234"], **quiet)
    der = token_dir / "cert.der"
    subprocess.run(["openssl", "x509", "-in", keys / "cert.pem", "-outform", "DER", "-out", der], check=True)
    subprocess.run(
        ["pkcs11-tool", "--module", SOFTHSM, "--token-label", "bench", "--login", "--pin", "1234", "--write-object", der, "--type", "cert", "--id", "01", "--label", "signer"],
        check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)

    def with_file(run):
        return [binary, "batch", records, "-o", work / f"file-key-{run}", "--jobs", "2", "--key", keys / "key.pem", "--cert", keys / "cert.pem"]

    def with_token(run):
        return [binary, "batch", records, "-o", work / f"token-{run}", "--jobs", "2", "--key", "pkcs11:token=bench;object=signer", "--pkcs11-module", SOFTHSM, "--pin-file", pin]

    file_key, token = measure_in_turn([command(with_file), command(with_token)], repeat)
    show(
        "token ÷ file key, throughput, 2 jobs",
        f"{file_key.seconds / token.seconds:.2f} ({notices / token.seconds:.1f} vs {notices / file_key.seconds:.1f} notices/s, {token.spread()})",
        ">= 0.8 (within 20%)",
        with_token(0),
    )


def filesystem_type(folder):
    return subprocess.run(["stat", "-f", "-c", "%T", folder], capture_output=True, text=True, check=True).stdout.strip()


def disk_figure(binary, records, notices, signing, work, repeat):
    """The full pipeline writing to the work folder's disk against writing to memory
    (/dev/shm), in alternated runs after a sync, so that neither pays for the other's
    writeback."""
    kind = filesystem_type(work)
    if kind == "tmpfs":
        print(f"{'disk ÷ tmpfs':<40} not measured: the work folder is on tmpfs (give --work-dir on a disk)")
        return
    if not pathlib.Path("/dev/shm").is_dir():
        print(f"{'disk ÷ tmpfs':<40} not measured: no /dev/shm here")
        return
    memory = pathlib.Path(tempfile.mkdtemp(prefix="seloste-bench-", dir="/dev/shm"))

    def batch(base, run):
        folder = base / f"durable-{run}"
        return [binary, "batch", records, "-o", folder / "out", "--jobs", "2", *signing, "--archive", folder / "archive"]

    try:
        on_disk, in_memory = measure_in_turn([command(lambda run: batch(work, run)), command(lambda run: batch(memory, run))], repeat)
    finally:
        shutil.rmtree(memory)
    show(
        f"full pipeline on disk ({kind}) ÷ tmpfs",
        f"{in_memory.seconds / on_disk.seconds:.2f} throughput ({on_disk.seconds:.2f} s, {on_disk.spread()} / {in_memory.seconds:.2f} s, {in_memory.spread()}; {notices} notices)",
        ">= 0.9",
        batch(work, 0),
    )


def html_figure(binary, records, notices, signing, work, repeat):
    def batch(formats, run):
        folder = work / f"html-{'-'.join(formats)}-{run}"
        format_args = [arg for name in formats for arg in ("--format", name)]
        return [binary, "batch", records, "-o", folder / "out", "--jobs", "2", *format_args, *signing, "--archive", folder / "archive"]

    without, with_html = measure_in_turn(
        [command(lambda run: batch(["pdf", "docx"], run)), command(lambda run: batch(["pdf", "docx", "html"], run))], repeat
    )
    show(
        "PDF + DOCX + HTML ÷ PDF + DOCX, full",
        f"{with_html.seconds / without.seconds:.3f} ({with_html.seconds:.2f} s, {with_html.spread()} / {without.seconds:.2f} s, {without.spread()}; {notices} notices)",
        "<= 1.10",
        batch(["pdf", "docx", "html"], 0),
    )


def typst_baseline(composer, records, work):
    """A runner for measure_in_turn: `typst compile` of every document, one process
    each, two at a time; with the command of one document."""
    typst = shutil.which("typst")
    if typst is None:
        return None, "typst is not installed (cargo install typst-cli --version 0.15.1)"
    data = work / "typst-data"
    subprocess.run([composer, "batch", records, "-o", data, "--format", "json"], check=True, stdout=subprocess.DEVNULL)
    layout = (ROOT / "templates" / "notice.typ").read_text(encoding="utf-8")
    documents = []
    for json_file in sorted(data.glob("*.json")):
        folder = work / "typst-docs" / json_file.stem
        folder.mkdir(parents=True)
        (folder / "main.typ").write_text(layout, encoding="utf-8")
        shutil.copy(json_file, folder / "data.json")
        documents.append(folder)

    def compile_command(folder, run):
        return [typst, "compile", "--features", "a11y-extras", "--root", folder, "--font-path", ROOT / "fonts", "--ignore-system-fonts",
                "--pdf-standard", "a-2a", "--pdf-standard", "ua-1", "--creation-timestamp", "1793577600",
                folder / "main.typ", folder / f"notice-{run}.pdf"]

    def compile_all(run):
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for result in pool.map(lambda folder: subprocess.run(compile_command(folder, run), capture_output=True), documents):
                if result.returncode != 0:
                    sys.exit(f"typst compile failed: {result.stderr.decode()}")

    def timed(run):
        started = time.perf_counter()
        compile_all(run)
        return time.perf_counter() - started, 0

    return timed, compile_command(documents[0], 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000 // 3 + 1, help="records for the speed figures (3 notices each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the median is shown")
    parser.add_argument("--memory-notices", type=int, default=10000, help="notices for the large memory run")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--binary", type=pathlib.Path, help="a seloste binary to measure instead of building this tree")
    parser.add_argument("--work-dir", type=pathlib.Path, help="where to make the work folder (default: the system's temporary folder)")
    parser.add_argument("--import-sources", type=int, default=500, help="old notices for the import figure")
    parser.add_argument("--import-only", action="store_true", help="measure only the import figure")
    parser.add_argument("--token-only", action="store_true", help="measure only the PKCS#11 token figure")
    parser.add_argument("--html-only", action="store_true", help="measure only the cost of the web pages")
    parser.add_argument("--disk-only", action="store_true", help="measure only the full pipeline on disk against tmpfs")
    options = parser.parse_args()

    # This tree's build composes the typst baseline's JSON, which older builds cannot write.
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    composer = ROOT / "target" / "release" / "seloste"
    binary = options.binary or composer
    work = pathlib.Path(tempfile.mkdtemp(prefix="seloste-bench-", dir=options.work_dir))
    if options.import_only:
        import_figure(binary, work, options.import_sources, options.repeat)
        shutil.rmtree(work)
        return
    records = work / "records"
    make_records(records, options.records)
    notices = options.records * 3
    keys = work / "keys"
    subprocess.run([binary, "keygen", "-o", keys], check=True, stdout=subprocess.DEVNULL)
    signing = ["--key", keys / "key.pem", "--cert", keys / "cert.pem"]
    if options.token_only:
        token_figure(binary, records, notices, keys, work, options.repeat)
        shutil.rmtree(work)
        return
    if options.html_only:
        html_figure(binary, records, notices, signing, work, options.repeat)
        shutil.rmtree(work)
        return
    if options.disk_only:
        disk_figure(binary, records, notices, signing, work, options.repeat)
        shutil.rmtree(work)
        return
    print(f"{binary}: {options.records} records, {notices} notices, {os.cpu_count()} cores, median of {options.repeat}; work folder {work}\n")

    def full(jobs, run):
        folder = work / f"full{jobs}-{run}"
        return [binary, "batch", records, "-o", folder / "out", "--jobs", str(jobs), *signing, "--archive", folder / "archive"]

    def pdf_only(run):
        return [binary, "batch", records, "-o", work / f"pdf-{run}", "--jobs", "2", "--format", "pdf"]

    repeated = work / "records-repeated"
    make_records(repeated, options.records, varied=False)

    def full_repeated(run):
        folder = work / f"repeated-{run}"
        return [binary, "batch", repeated, "-o", folder / "out", "--jobs", "2", *signing, "--archive", folder / "archive"]

    # What this machine gives two independent processes: the two halves of the batch
    # (--shard) at once, 1 job each, against one process doing it all with 1 job.
    def shard(index, run):
        folder = work / f"shard{index}-{run}"
        return [binary, "batch", records, "-o", folder / "out", "--jobs", "1", "--shard", f"{index}/2", *signing, "--archive", folder / "archive"]

    def halves(run):
        return run_together([shard(1, run), shard(2, run)]), 0

    typst, detail = typst_baseline(composer, records, work)
    runners = [command(lambda run: full(2, run)), command(lambda run: full(1, run)), command(pdf_only), command(full_repeated), halves]
    full2, full1, pdf2, best, both_halves, *baseline = measure_in_turn(runners + ([typst] if typst else []), options.repeat)

    show("full pipeline, 2 jobs", f"{notices / full2.seconds:.1f} notices/s ({full2.spread()})", ">= 130 notices/s", full(2, 0))
    show("  best case: the same documents again", f"{notices / best.seconds:.1f} notices/s ({best.spread()})", "(not a real batch)", full_repeated(0))
    show("full ÷ PDF-only (unsigned), 2 jobs", f"{full2.seconds / pdf2.seconds:.2f} ({full2.seconds:.2f} s / {pdf2.seconds:.2f} s, {pdf2.spread()})", "<= 1.3", pdf_only(0))
    show("2 jobs ÷ 1 job, throughput", f"{full1.seconds / full2.seconds:.2f} ({full1.seconds:.2f} s / {full2.seconds:.2f} s, {full1.spread()})", ">= 0.95 × the machine ceiling below", full(1, 0))

    show("machine: 2 processes ÷ 1, throughput", f"{full1.seconds / both_halves.seconds:.2f} ({full1.seconds:.2f} s / {both_halves.seconds:.2f} s)", "(the ceiling for 2 jobs here)", ["(at once)", *shard(1, 0)])

    if not baseline:
        print(f"{'typst CLI baseline':<40} not measured: {detail}")
    else:
        baseline = baseline[0]
        show(
            "typst compile per document ÷ seloste",
            f"{baseline.seconds / pdf2.seconds:.1f}x PDF-only, {baseline.seconds / full2.seconds:.1f}x full ({baseline.seconds:.2f} s)",
            ">= 3x PDF-only",
            ["(2 at a time, each)", *detail],
        )

    if not options.skip_memory:
        big_records = work / "records-big"
        make_records(big_records, options.memory_notices // 3 + 1)
        def small_cmd(run):
            return [binary, "batch", records, "-o", work / f"mem-small-{run}", "--jobs", "2", "--format", "pdf"]

        def big_cmd(run):
            return [binary, "batch", big_records, "-o", work / f"mem-big-{run}", "--jobs", "2", "--format", "pdf"]

        # The highest peak of each over its runs: where two workers' largest records meet
        # in time varies from run to run.
        small, big = measure_in_turn([command(small_cmd), command(big_cmd)], options.repeat)
        show(f"peak RSS, {notices} notices (PDF)", f"{small.rss:.0f} MiB (highest of {options.repeat})", "", small_cmd(0))
        show(f"peak RSS, {options.memory_notices} notices (PDF)", f"{big.rss:.0f} MiB (highest of {options.repeat}), ratio {big.rss / small.rss:.2f}", "<= 1.1x and <= 250 MB", big_cmd(0))
    disk_figure(binary, records, notices, signing, work, options.repeat)
    import_figure(binary, work, options.import_sources, options.repeat)
    token_figure(binary, records, notices, keys, work, options.repeat)
    html_figure(binary, records, notices, signing, work, options.repeat)
    print(f"\npeak RSS of the full pipeline, 2 jobs: {full2.rss:.0f} MiB")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
