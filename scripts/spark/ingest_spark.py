#!/usr/bin/env python3
"""Run ingest on Apache Spark: the same binary, the same tables (docs/spark.md).

    spark-submit [spark options] scripts/spark/ingest_spark.py --binary PATH [--partitions N] \\
        [every option of ingest: --config, --site, --conversions, --costs, --out, --secret-file, …] FILES…

The command line after the job's own two options is ingest's own: move a working command to
the cluster by putting `spark-submit … ingest_spark.py --binary …` in front of it. The job

1. lists the inputs through Spark's Hadoop file system (local paths, hdfs://, s3a://; a folder
   is every file under it, a glob what it matches), ranks them by name (`EventOrder`), and ships
   the binary, the secret that keys visitors and every file the settings name to the tasks;
2. runs `ingest map` per input (gzip files whole, never split), which writes each partition's
   events as one block: only (input, partition) blocks pass through Python, never records;
3. moves the blocks to their partition (`partitionBy`: a partition's blocks meet in one task)
   and runs `ingest reduce` per partition, which merges the blocks in (time, order) order,
   sessionizes, attributes and writes the partition's partial;
4. runs `ingest merge` on the driver with the user's own options: it checks that every
   partition is there once and writes --out: every CSV, summary.json and report.html.

Every task is deterministic (the secret comes from a file shipped with the job, never from the
command line), so Spark may re-run failed and speculative tasks; a task that fails for good
fails the job before anything is written. INGEST_SPARK_FAIL_MAP=RANK kills the binary of that
input's first map attempt (a test of the retry; the job needs spark.task.maxFailures ≥ 2,
`local[2,4]` in local mode). INGEST_SPARK_STATS=1 prints the CPU-seconds of the tasks (the
binary's and Python's, every attempt counted) and the wall time on stderr.
"""
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib

# ingest's options that take no value (every other option takes one, right after it or after
# `=`). tests/ keeps this list in step with `ingest run --help`.
FLAGS = {"--quiet", "--json", "--print-config", "--no-html", "--ai-channel", "-h", "--help"}
# Options only the driver's merge reads: not given to map and reduce tasks.
MERGE_ONLY = {"--out", "--costs", "--max-malformed", "--quiet", "--json", "--no-html", "--print-config"}
# Options whose settings travel in the effective config the tasks get (files shipped).
IN_CONFIG = {"--config", "--site", "--format", "--log-format", "--timezone", "--session-timeout", "--model",
             "--secret-file", "--lookback-days", "--conversions", "--exclude-path", "--referrer-db", "--bot-db",
             "--ai-channel", "--state", "--path-transform", "--max-path-channels"}


def usage(message):
    sys.stderr.write("ingest_spark: %s\n" % message)
    sys.exit(2)


def split_arguments(argv):
    """(job options, ingest options as (name, value|None) pairs, input arguments)."""
    binary, partitions = None, None
    options, files = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            files += argv[i + 1:]
            break
        name, value = (a.split("=", 1) + [None])[:2] if a.startswith("--") else (a, None)
        if name in ("--binary", "--partitions"):
            if value is None:
                if i + 1 >= len(argv):
                    usage("%s needs a value" % name)
                value = argv[i + 1]
                i += 1
            if name == "--binary":
                binary = value
            else:
                try:
                    partitions = int(value)
                except ValueError:
                    usage("--partitions %s: give a whole number of partitions, e.g. 8" % value)
                if partitions < 1:
                    usage("--partitions must be 1 or more")
        elif a.startswith("-") and a != "-":
            if name in FLAGS or value is not None:
                options.append((name, value))
            else:
                if i + 1 >= len(argv):
                    usage("%s needs a value" % name)
                options.append((name, argv[i + 1]))
                i += 1
        else:
            files.append(a)
        i += 1
    if binary is None:
        usage("--binary PATH is required: the ingest binary to run (swift build -c release --static-swift-stdlib)")
    if not files:
        usage("no input files: pass log files (e.g. hdfs:///logs/2026-11/*.gz)")
    return binary, partitions, options, files


def flat(options, drop=()):
    out = []
    for name, value in options:
        if name in drop:
            continue
        out += [name] if value is None else [name, value]
    return out


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, cpu=None, **kw):
    before = children_cpu()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if cpu is not None:
        cpu.add(children_cpu() - before)
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError("%s failed (%d): %s" % (os.path.basename(cmd[0]) + " " + cmd[1], p.returncode,
                                                   err[-1] if err else "no message"))
    return p.stdout


def effective_config(binary, options):
    """The settings as `ingest --print-config` resolves them (paths made absolute), and the
    files they name."""
    text = run([binary, "run", "--print-config"] + flat(options, drop={"--out"})).decode("utf-8")
    c = tomllib.loads(text)
    named = {"secret_file": c.get("secret_file"), "crm": c.get("crm", {}).get("files", []),
             "referrer_db": c.get("lists", {}).get("referrer_db", []), "bot_db": c.get("lists", {}).get("bot_db", [])}
    return text, c, named


def ensure_secret(path):
    """The secret exists before it is shipped (ingest's own format: 32 hex digits, 0600)."""
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(16) + "\n")
        f.flush()
        os.fsync(f.fileno())


def toml_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def list_inputs(sc, arguments):
    """[(name, uri)] of every input, through Hadoop's file system: a folder is every file
    under it (dot files left out), a glob what it matches. A plain file keeps the name it was
    given (so summary.json names it as a one-machine run does)."""
    jvm = sc._jvm
    conf = sc._jsc.hadoopConfiguration()
    out = []
    for a in arguments:
        path = jvm.org.apache.hadoop.fs.Path(a)
        fs = path.getFileSystem(conf)
        statuses = fs.globStatus(path)
        if statuses is None or len(statuses) == 0:
            usage("no file matches %s" % a)
        for st in statuses:
            qualified = st.getPath().toString()
            if st.isDirectory():
                it = fs.listFiles(st.getPath(), True)
                found = []
                while it.hasNext():
                    f = it.next()
                    rel = f.getPath().toString()[len(qualified):].lstrip("/")
                    if any(part.startswith(".") for part in rel.split("/")):
                        continue
                    found.append((a.rstrip("/") + "/" + rel, f.getPath().toString()))
                if not found:
                    usage("the directory %s holds no files" % a)
                out += sorted(found)
            else:
                name = a if len(statuses) == 1 and not any(ch in a for ch in "*?[") else qualified
                out.append((name, qualified))
    return out


def main(argv):
    from pyspark import SparkFiles
    from pyspark.sql import SparkSession

    binary, partitions, options, arguments = split_arguments(argv)
    binary = os.path.abspath(binary)
    if not os.access(binary, os.X_OK):
        usage("--binary %s is not an executable" % binary)
    if any(name == "--state" for name, _ in options):
        usage("--state: a distributed run is a one-off; run the nightly job with ingest --state on one machine")
    text, config, named = effective_config(binary, options)
    ensure_secret(named["secret_file"])

    started = time.time()
    spark = SparkSession.builder.appName("ingest").getOrCreate()
    sc = spark.sparkContext
    map_cpu, reduce_cpu, python_cpu = sc.accumulator(0.0), sc.accumulator(0.0), sc.accumulator(0.0)
    n = partitions or max(1, sc.defaultParallelism)
    inputs = list_inputs(sc, arguments)
    names = [name for name, _ in inputs]
    # Ranks by name (code point order = UTF-8 byte order, as ingest ranks), ties by position.
    order = sorted(range(len(names)), key=lambda i: (names[i], i))
    rank_of = {i: r for r, i in enumerate(order)}
    by_uri = {}
    for i, (name, uri) in enumerate(inputs):
        by_uri.setdefault(uri, []).append((rank_of[i], name))

    # Ship the binary and every file the settings name under names of their own; each task
    # gets the effective config with its local copies' paths.
    stage_dir = tempfile.mkdtemp(prefix="ingest-spark-")
    shipped = {}

    def ship(path, label):
        local = os.path.join(stage_dir, "%d-%s" % (len(shipped), os.path.basename(path)))
        shutil.copyfile(path, local)
        sc.addFile(local)
        shipped[path] = os.path.basename(local)
        return shipped[path]

    binary_name = ship(binary, "binary")
    ship(named["secret_file"], "secret")
    for p in named["crm"] + named["referrer_db"] + named["bot_db"]:
        ship(p, "file")
    replacements = [(toml_string(p), name) for p, name in shipped.items() if p != binary]
    task_options = flat(options, drop=MERGE_ONLY | IN_CONFIG)
    fail_rank = os.environ.get("INGEST_SPARK_FAIL_MAP")

    def task_setup(work):
        exe = SparkFiles.get(binary_name)
        os.chmod(exe, 0o755)
        t = text
        for quoted, name in replacements:
            t = t.replace(quoted, toml_string(SparkFiles.get(name)))
        path = os.path.join(work, "ingest.toml")
        with open(path, "w") as f:
            f.write(t)
        return exe, ["--config", path] + task_options

    def run_map(pair):
        from pyspark import TaskContext
        uri, content = pair
        results = []
        own = time.process_time()
        for rank, name in by_uri[uri]:
            work = tempfile.mkdtemp(prefix="ingest-map-")
            try:
                exe, opts = task_setup(work)
                local = os.path.join(work, "input")
                with open(local, "wb") as f:
                    f.write(content)
                out = os.path.join(work, "out")
                cmd = [exe, "map", local, "--rank", str(rank), "--input-name", name, "--partitions", str(n), "--out-dir", out] + opts
                ctx = TaskContext.get()
                if fail_rank is not None and int(fail_rank) == rank and ctx is not None and ctx.attemptNumber() == 0:
                    # The fault: the binary killed mid-run, as a lost executor would leave it.
                    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(0.05)
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                    raise RuntimeError("INGEST_SPARK_FAIL_MAP: map of input %d killed on its first attempt" % rank)
                run(cmd, cpu=map_cpu)
                for p in range(n):
                    with open(os.path.join(out, "events-%05d.tsv" % p), "rb") as f:
                        results.append((p, (rank, f.read())))
                with open(os.path.join(out, "map.partial"), "rb") as f:
                    results.append((-1, (rank, f.read())))
            finally:
                shutil.rmtree(work, ignore_errors=True)
        python_cpu.add(time.process_time() - own)
        return results

    files = sc.binaryFiles(",".join(sorted(by_uri)), minPartitions=len(by_uri))
    mapped = files.flatMap(run_map).persist()
    map_partials = [data for _, data in sorted(mapped.filter(lambda kv: kv[0] < 0).values().collect())]
    shared = sc.broadcast(map_partials)

    def run_reduce(index, records):
        own = time.process_time()
        blocks = sorted(v for _, v in records)   # by input rank: the same streams on every attempt
        work = tempfile.mkdtemp(prefix="ingest-reduce-")
        try:
            exe, opts = task_setup(work)
            streams = []
            for rank, data in blocks:
                streams.append(os.path.join(work, "events-%d.tsv" % rank))
                with open(streams[-1], "wb") as f:
                    f.write(data)
            if not streams:
                streams.append(os.path.join(work, "none.tsv"))
                open(streams[-1], "wb").close()
            consulted = []
            for i, data in enumerate(shared.value):
                consulted += ["--map-partial", os.path.join(work, "map-%d.partial" % i)]
                with open(consulted[-1], "wb") as f:
                    f.write(data)
            out = os.path.join(work, "reduce.partial")
            run([exe, "reduce"] + streams + consulted + ["--partition", str(index), "--partitions", str(n), "--output", out] + opts,
                cpu=reduce_cpu)
            with open(out, "rb") as f:
                return [(index, f.read())]
        finally:
            shutil.rmtree(work, ignore_errors=True)
            python_cpu.add(time.process_time() - own)

    events = mapped.filter(lambda kv: kv[0] >= 0).partitionBy(n, lambda p: p)
    reduce_partials = events.mapPartitionsWithIndex(run_reduce).collect()
    mapped.unpersist()

    # The merge, on the driver, with the user's own options (--out, --costs, --no-html, …).
    merge_dir = tempfile.mkdtemp(prefix="ingest-merge-")
    try:
        paths = []
        for i, data in enumerate(map_partials):
            paths.append(os.path.join(merge_dir, "map-%d.partial" % i))
            with open(paths[-1], "wb") as f:
                f.write(data)
        for index, data in sorted(reduce_partials):
            paths.append(os.path.join(merge_dir, "reduce-%d.partial" % index))
            with open(paths[-1], "wb") as f:
                f.write(data)
        before = children_cpu()
        p = subprocess.run([binary, "merge"] + paths + flat(options))
        status = p.returncode
        merge_cpu = children_cpu() - before
    finally:
        shutil.rmtree(merge_dir, ignore_errors=True)
        shutil.rmtree(stage_dir, ignore_errors=True)
    if os.environ.get("INGEST_SPARK_STATS"):
        sys.stderr.write("ingest_spark: %d inputs, %d partitions; CPU-seconds: map %.2f, reduce %.2f, merge %.2f (the binary), "
                         "tasks' Python %.2f; wall %.2f s\n" % (len(inputs), n, map_cpu.value, reduce_cpu.value, merge_cpu,
                                                                 python_cpu.value, time.time() - started))
    spark.stop()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
