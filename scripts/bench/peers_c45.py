"""Weka J48 peer of the C4.5 workloads (Rust side: ml_supervised's C45Classifier). Loaded by
peers.py, which merges PEERS and IMPL_LIB.

- c45_breast_cancer: J48 `fit` on all 569 rows of breast_cancer, `predict` the same rows.
- c45_clf_100k_20: J48 `fit` on the 100 000 train rows of clf20_125k's fixed split
  (tree_clf_100k_20's), `predict` its 25 000 test rows.

Quality: accuracy of the predicted rows, n_leaves and tree_size (J48's measureNumLeaves,
measureTreeSize). Both sides build the same tree, so all three are compared exactly.

The implementation `weka.J48` is Debian's weka 3.6.14 (/usr/share/java/weka.jar; this
module runs `apt-get install -y weka` when the jar is missing). The JVM starts once per
process: J48Bench.java (beside this file, compiled at run time into <target>/bench/java/)
reads the shared .npy inputs itself (the same float64 values, no text round trip),
warms up with untimed fit + predict pairs (at least WARMUP_CALLS pair and WARMUP_S
seconds: JIT compilation, class loading and heap growth are not timed; a single 20 s fit
is past all of them, and on breast cancer the first fit takes ~0.1 s cold and ~0.01 s warm), then times each step
in-process with the timing rule of peers.py time_step. Its records carry the JVM's own
wall and CPU seconds (all its threads, JIT and GC included), peak RSS and the other
processes' load; peers.py takes them as they are (a step with `time_externally`).
"""
import atexit
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

WEKA_JAR = "/usr/share/java/weka.jar"
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "J48Bench.java")
WARMUP_S, WARMUP_CALLS = 2.0, 1


def ensure_weka():
    """The path of weka.jar, installing Debian's `weka` package when it is missing."""
    if os.path.exists(WEKA_JAR):
        return WEKA_JAR
    try:
        r = subprocess.run(["apt-get", "install", "-y", "weka"], capture_output=True, text=True)
        detail = (r.stderr or r.stdout)[-2000:]
    except OSError as e:
        r, detail = None, str(e)
    if not os.path.exists(WEKA_JAR):
        raise RuntimeError(f"{WEKA_JAR} is missing and `apt-get install -y weka` failed "
                           f"(exit {getattr(r, 'returncode', None)}); install Debian's weka package "
                           f"(3.6.14) as root. apt-get said: {detail}")
    return WEKA_JAR


def compile_harness(bench_dir, jar):
    """J48Bench compiled against `jar` into bench_dir/java/J48Bench-<hash of both>/."""
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"`{tool}` is not on PATH: the Weka peer needs a JDK (Java 17)")
    with open(SOURCE, "rb") as f:
        src = f.read()
    key = hashlib.sha256(src + os.path.realpath(jar).encode()).hexdigest()[:16]
    root = os.path.join(bench_dir, "java")
    out = os.path.join(root, f"J48Bench-{key}")
    if os.path.exists(os.path.join(out, "J48Bench.class")):
        return out
    os.makedirs(root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="J48Bench-", dir=root)
    r = subprocess.run(["javac", "-nowarn", "-Xlint:-options", "-cp", jar, "-d", tmp, SOURCE],
                       capture_output=True, text=True)
    if r.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"javac J48Bench.java failed: {r.stderr[-2000:]}")
    try:
        os.rename(tmp, out)
    except OSError:  # another process compiled it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    return out


class Jvm:
    """One J48Bench process: a command per line on stdin (tab-separated fields), a JSON
    answer per line on stdout."""

    def __init__(self, cmd):
        self.cmd = cmd
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        atexit.register(self.close)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        reply = self.p.stdout.readline()
        if not reply:
            raise RuntimeError(f"the JVM exited (status {self.p.wait()}) on `{line.split()[0]}`")
        r = json.loads(reply)
        if isinstance(r, dict) and "error" in r:
            raise RuntimeError(f"J48Bench `{line.split()[0]}`: {r['error']}")
        return r

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.flush()
                self.p.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.p.kill()
                self.p.wait()


def j48_options(w):
    """J48's option string from the hyperparameters; it must be the one `estimator` names."""
    hp = w["hyperparameters"]
    opts = f"-C {hp['confidence_factor']} -M {hp['min_num_obj']}"
    if hp.get("unpruned"):
        opts = f"-U -M {hp['min_num_obj']}"
    if w["estimator"] != f"weka.classifiers.trees.J48 {opts}":
        raise RuntimeError(f"estimator {w['estimator']!r} does not match the hyperparameters ({opts})")
    return opts


def build_c45(w, impl, inp, threads):
    import numpy as np
    jar = ensure_weka()
    bench_dir = os.path.dirname(os.path.dirname(os.path.abspath(inp.dir)))
    classes = compile_harness(bench_dir, jar)
    opts = j48_options(w)
    use_split = w.get("split_used", True) and "train_idx" in inp.arrays
    npy = {k: os.path.join(inp.dir, f"{k}.npy") for k in ("X", "y", "train_idx", "test_idx")}
    y = inp["y"]
    y_test = y[inp["test_idx"]] if use_split else y
    # The JVM sizes its GC and JIT pools by the cores it sees: the runner's thread count.
    cmd = ["java", f"-XX:ActiveProcessorCount={max(1, threads)}", "-cp", jar + os.pathsep + classes, "J48Bench"]
    jvm = Jvm(cmd)
    loaded = jvm.ask("\t".join(["load", npy["X"], npy["y"], npy["train_idx"] if use_split else "-",
                                npy["test_idx"] if use_split else "-", opts]))
    warm = jvm.ask(f"warmup\t{WARMUP_S}\t{WARMUP_CALLS}")
    st = {}

    def external(kind):
        def fn():
            raise RuntimeError("timed inside the JVM (time_externally)")

        def time_externally(reps):
            r = jvm.ask(f"time\t{kind}\t{reps}")
            kb = lambda v: None if v is None else v / 1024  # noqa: E731
            return {"walls": r["walls"], "cpus": r["cpus"], "number": r["number"],
                    "peak_rss_mb": kb(r["peak_rss_kb"]), "base_rss_mb": kb(r["base_rss_kb"]),
                    "foreign_cores": r["foreign_cores"]}
        fn.time_externally = time_externally
        return fn

    def quality():
        if "q" not in st:
            st["q"] = jvm.ask("quality")
            jvm.close()
        q = st["q"]
        p = np.asarray(q["predictions"])
        return {"accuracy": float(np.mean(p == y_test)), "n_leaves": int(q["n_leaves"]),
                "tree_size": int(q["tree_size"])}

    info = {"options": opts, "jvm": " ".join(cmd[:2]), "train_rows": loaded["n_train"],
            "test_rows": loaded["n_test"], "n_features": loaded["n_features"],
            "n_classes": loaded["n_classes"], "split_used": bool(use_split),
            "warmup": {"pairs": warm["pairs"], "seconds": warm["seconds"], "first_fit_s": warm["first_fit_s"]},
            "versions": {"Weka": loaded["weka"], "java": loaded["java"]}}
    return [("fit", external("fit")), ("predict", external("predict"))], quality, info


PEERS = {
    "c45_breast_cancer": build_c45,
    "c45_clf_100k_20": build_c45,
}
IMPL_LIB = {"weka.J48": "Weka"}
