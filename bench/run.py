"""Benchmark egress against the parse floor and against a peer, in one run.

    python bench/run.py [--runs 3] [--jobs N] [--skip-peers] [--corpus npm|py|all]

1. Materialises the shared corpora once under ``bench/.corpus/`` (kept
   between runs): ``npm ci --ignore-scripts`` of ../shared/bench/npm-app and
   ``pip install --no-deps --target`` of ../shared/bench/py-requirements.txt.
2. The floor: read every candidate file and parse it with tree-sitter,
   nothing else, on the same number of processes.
3. ``egress scan`` cold (empty cache) and warm (cache filled), each as a
   subprocess whose process-tree RSS is sampled for the peak.
4. GuardDog on a fixed sample of npm packages, extrapolated per package.
5. Prints and writes ``bench/results/latest.{json,md}``: medians of
   ``--runs`` runs, wall and CPU time, and ratios from the same run.
6. With ``--check-prefilter``: scans each corpus again with the pre-filter
   off and requires identical findings, package by package (the pre-filter
   must be loss-free on real trees, not only on our fixtures).

Machines are shared and noisy: read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "bench"
CORPUS = HERE / ".corpus"
RESULTS = HERE / "results"
JS_SUFFIXES = (".js", ".cjs", ".mjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
PEER_SAMPLE = 20


def materialise() -> dict[str, Path]:
    """Install the corpora once; later runs reuse them."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    npm_dir = CORPUS / "npm-app"
    if not (npm_dir / "node_modules" / ".package-lock.json").is_file():
        shutil.rmtree(npm_dir, ignore_errors=True)
        shutil.copytree(SHARED / "npm-app", npm_dir)
        npm_dir.chmod(0o755)
        for path in npm_dir.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=npm_dir, check=True,
                       stdout=subprocess.DEVNULL)
    py_dir = CORPUS / "py-site"
    if not (py_dir / ".complete").is_file():
        shutil.rmtree(py_dir, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(py_dir),
                        "-r", str(SHARED / "py-requirements.txt")], check=True)
        (py_dir / ".complete").write_text("ok")
    return {"npm": npm_dir, "py": py_dir}


def candidate_files(corpus: str, root: Path) -> list[str]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".bin"]
        for name in filenames:
            if corpus == "npm":
                if name.endswith(JS_SUFFIXES) and not name.endswith((".d.ts", ".d.mts", ".d.cts")):
                    files.append(os.path.join(dirpath, name))
            elif name.endswith((".py", ".pyw", ".pth")):
                files.append(os.path.join(dirpath, name))
    return files


_PARSERS: dict = {}


def _parse_chunk(paths: list[str]) -> int:
    import tree_sitter as ts

    if not _PARSERS:
        import tree_sitter_javascript as tsj
        import tree_sitter_python as tsp
        import tree_sitter_typescript as tst

        _PARSERS["js"] = ts.Parser(ts.Language(tsj.language()))
        _PARSERS["ts"] = ts.Parser(ts.Language(tst.language_typescript()))
        _PARSERS["tsx"] = ts.Parser(ts.Language(tst.language_tsx()))
        _PARSERS["py"] = ts.Parser(ts.Language(tsp.language()))
    total = 0
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        if path.endswith((".ts", ".mts", ".cts")):
            parser = _PARSERS["ts"]
        elif path.endswith(".tsx"):
            parser = _PARSERS["tsx"]
        elif path.endswith((".py", ".pyw", ".pth")):
            parser = _PARSERS["py"]
        else:
            parser = _PARSERS["js"]
        parser.parse(data)
        total += len(data)
    return total


def floor(files: list[str], jobs: int) -> dict:
    """Read and parse every candidate file, nothing else, on ``jobs`` processes."""
    files = sorted(files, key=lambda p: os.path.getsize(p), reverse=True)
    chunks = [files[i::jobs * 8] for i in range(jobs * 8)]
    start_cpu = _children_cpu()
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        total = sum(pool.map(_parse_chunk, chunks))
    wall = time.perf_counter() - start
    return {"wall_s": wall, "cpu_s": _children_cpu() - start_cpu, "files": len(files), "bytes": total}


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system + usage.user + usage.system


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(current, []))
    return total


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run a command; wall, CPU of the tree, and peak process-tree RSS."""
    start_cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    return {"wall_s": time.perf_counter() - start, "cpu_s": _children_cpu() - start_cpu,
            "peak_rss_mb": peak / 1024, "rc": proc.returncode, "stdout": out, "stderr": err.decode(errors="replace")}


def egress_runs(target: Path, jobs: int, runs: int) -> dict:
    cold, warm = [], []
    summary = {}
    for _ in range(runs):
        cache = Path(tempfile.mkdtemp(prefix="egress-bench-cache-"))
        cmd = [sys.executable, "-m", "egress.cli", "scan", str(target), "--format", "json", "--jobs", str(jobs),
               "--cache-dir", str(cache)]
        first = timed(cmd)
        if first["rc"] not in (0, 1):
            raise SystemExit(f"egress failed on {target}: {first['stderr'][-2000:]}")
        summary = json.loads(first["stdout"])["summary"]
        cold.append(first)
        warm.append(timed(cmd))
        shutil.rmtree(cache, ignore_errors=True)
    return {"cold": _median(cold), "warm": _median(warm), "summary": summary}


def _median(samples: list[dict]) -> dict:
    return {key: statistics.median(s[key] for s in samples) for key in ("wall_s", "cpu_s", "peak_rss_mb")}


def _findings(doc: dict) -> dict[str, list]:
    keep = ("kind", "api", "file", "line", "column", "note", "trace")
    return {f"{p['name']}@{p['version']}#{p['artifact']['kind']}:{p['artifact']['filename']}": sorted(
        json.dumps({k: f[k] for k in keep}, sort_keys=True) for f in p["alerts"] + p["other_findings"])
        for p in doc["packages"]}


def check_prefilter(target: Path, jobs: int) -> dict:
    """Full analysis with and without the pre-filter must find the same things."""
    docs = []
    for extra in ([], ["--no-prefilter"]):
        run = timed([sys.executable, "-m", "egress.cli", "scan", str(target), "--format", "json", "--jobs", str(jobs),
                     "--no-cache", *extra])
        docs.append(_findings(json.loads(run["stdout"])))
    with_filter, without = docs
    differing = sorted(k for k in set(with_filter) | set(without) if with_filter.get(k) != without.get(k))
    return {"packages": len(without), "findings": sum(map(len, without.values())), "differing": differing}


def guarddog(npm_dir: Path) -> dict | None:
    """GuardDog on a fixed sample of installed packages; seconds per package."""
    venv = CORPUS / "guarddog-venv"
    if not (venv / "bin" / "guarddog").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "guarddog"], capture_output=True)
        if done.returncode != 0:
            return {"error": "guarddog did not install: " + done.stderr.decode(errors="replace")[-300:]}
    modules = npm_dir / "node_modules"
    names = sorted(p.name for p in modules.iterdir() if not p.name.startswith((".", "@")))
    step = max(1, len(names) // PEER_SAMPLE)
    sample = names[::step][:PEER_SAMPLE]
    times = []
    for name in sample:
        result = timed([str(venv / "bin" / "guarddog"), "npm", "scan", str(modules / name), "--output-format", "json"])
        times.append(result["wall_s"])
    return {"packages": sample, "per_package_s": statistics.median(times), "total_s": sum(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--corpus", choices=["npm", "py", "all"], default="all")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--check-prefilter", action="store_true")
    args = parser.parse_args()
    corpora = materialise()
    report: dict = {"jobs": args.jobs, "runs": args.runs, "machine": os.uname().machine, "cores": os.cpu_count()}
    for name in (["npm", "py"] if args.corpus == "all" else [args.corpus]):
        root = corpora[name]
        files = candidate_files(name, root / "node_modules" if name == "npm" else root)
        floors = [floor(files, args.jobs) for _ in range(args.runs)]
        base = {key: statistics.median(f[key] for f in floors) for key in ("wall_s", "cpu_s")}
        measured = egress_runs(root, args.jobs, args.runs)
        entry = {
            "files": len(files), "megabytes": floors[0]["bytes"] / 1e6, "floor": base, **measured,
            "ratio_cold_floor": measured["cold"]["wall_s"] / base["wall_s"],
            "ratio_warm_floor": measured["warm"]["wall_s"] / base["wall_s"],
        }
        if args.check_prefilter:
            entry["prefilter_check"] = check_prefilter(root, args.jobs)
        if name == "npm" and not args.skip_peers:
            peer = guarddog(root)
            if peer and "per_package_s" in peer:
                per_pkg_egress = measured["cold"]["wall_s"] / max(1, measured["summary"].get("packages", 1))
                peer["ratio_peer_egress_per_package"] = peer["per_package_s"] / per_pkg_egress
            entry["guarddog"] = peer
        report[name] = entry
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2))
    markdown = to_markdown(report)
    (RESULTS / "latest.md").write_text(markdown)
    print(markdown)


def to_markdown(report: dict) -> str:
    lines = [f"Run on {report['cores']} cores ({report['machine']}), {report['jobs']} jobs, "
             f"median of {report['runs']} runs.", "",
             "| corpus | files | MB | floor wall s (cpu) | egress cold wall s (cpu) | egress warm wall s | cold/floor | "
             "warm/floor | peak RSS cold MB | packages (network) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in ("npm", "py"):
        if name not in report:
            continue
        e = report[name]
        lines.append(
            f"| {name} | {e['files']} | {e['megabytes']:.0f} | {e['floor']['wall_s']:.2f} ({e['floor']['cpu_s']:.1f}) | "
            f"{e['cold']['wall_s']:.2f} ({e['cold']['cpu_s']:.1f}) | {e['warm']['wall_s']:.2f} | "
            f"{e['ratio_cold_floor']:.2f} | {e['ratio_warm_floor']:.2f} | {e['cold']['peak_rss_mb']:.0f} | "
            f"{e['summary'].get('packages')} ({e['summary'].get('network')}) |")
    for name in ("npm", "py"):
        check = report.get(name, {}).get("prefilter_check")
        if check:
            verdict = "identical" if not check["differing"] else f"DIFFER in {len(check['differing'])} packages"
            lines.append(f"\nPre-filter check ({name}): {check['findings']} findings in {check['packages']} packages "
                         f"with and without the pre-filter: {verdict}.")
    peer = report.get("npm", {}).get("guarddog")
    if peer:
        lines.append("")
        if "per_package_s" in peer:
            lines.append(f"GuardDog: {peer['per_package_s']:.2f} s per package (median of {len(peer['packages'])} "
                         f"sampled packages); peer/egress per package: {peer['ratio_peer_egress_per_package']:.0f}x.")
        else:
            lines.append(f"GuardDog: {peer.get('error')}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
