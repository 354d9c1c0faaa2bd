# Sourced by ./jgrad, ./run-tests and bench/*.sh: finds a JDK 25 and exports JAVA_HOME for it and for Maven
# (jgrad_find_jdk), and says which JVM options jgrad runs with (jgrad_java_opts).
# Order: $JAVA_HOME if it is a JDK 25 or newer, then /usr/lib/jvm/temurin-25-jdk-amd64.
jgrad_java_version() {  # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
jgrad_find_jdk() {
  local candidate v
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
    [ -n "$candidate" ] || continue
    v=$(jgrad_java_version "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ -x "$candidate/bin/javac" ]; then
      export JAVA_HOME="$candidate"
      # Maven 3.8 warns loudly about sun.misc.Unsafe on JDK 24+; the warning is Maven's, not ours.
      case " ${MAVEN_OPTS:-} " in *unsafe-memory-access*) ;; *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;; esac
      return 0
    fi
  done
  {
    echo "jgrad needs a JDK 25 (found: ${JAVA_HOME:-no JAVA_HOME}; default java is $(java -version 2>&1 | head -n 1))."
    echo "Install one, e.g. 'apt-get install -y temurin-25-jdk' (Adoptium's apt repository) or unpack a JDK 25,"
    echo "then run again with JAVA_HOME pointing at it: JAVA_HOME=/path/to/jdk-25 $0"
  } >&2
  return 1
}

# The JVM options of ./jgrad, which the benchmarks also use so that they measure what users get (JGRAD_JAVA_OPTS,
# given after them, wins). Why each:
# - Serial GC with a 32 MB young generation: a training step allocates ~2 MB of short-lived arrays (activations,
#   gradients, the batch) and almost nothing survives, so young collections are short, and the heap stays small.
#   Measured on the Fashion-MNIST MLP (bench/compare.sh, 2 loaded cores): peak RSS 235 MiB against 546 MiB with the
#   default G1 (which grows its young generation to ~1 GB), and epochs no slower (3.8 s against 5.3 s median, noisy).
# - The Vector API module lets float32 GEMM use jgrad's AVX-512 kernel (io.jgrad.tensor.VectorSgemm) where the CPU
#   has 512-bit vectors, the optimizer updates flush subnormal state, and the element-wise kernels C2 leaves scalar
#   (the ReLU derivative, leaky ReLU, tanh, sigmoid, ELU, GELU) run a vector at a time; the JVM then prints one
#   "Using incubator modules" warning, which ./jgrad drops (jgrad_drop_incubator_warning).
#   -Djgrad.sgemm=blas and -Djgrad.vector=false turn them off.
# - Transparent huge pages for the heap, where the kernel offers them (madvise or always): a batch is 128 rows
#   gathered at random from a 47 MB training set (8-bit pixels), and with 4 KiB pages each row costs TLB misses.
#   Measured on the Fashion-MNIST MLP (2 threads, alternated): batch assembly 92-101 against 134-146 us per step, the
#   first layer's forward GEMM 361-381 against 394-398 us; peak RSS 251-263 against 243-256 MiB. Left out where the
#   kernel has them off, since the JVM would then warn on every start.
jgrad_java_opts() {
  local opts="-XX:+UseSerialGC -Xmn32m --add-modules jdk.incubator.vector"
  if grep -qE '\[(always|madvise)\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    opts="$opts -XX:+UseTransparentHugePages"
  fi
  echo "$opts"
}

# Copies standard input to standard output, less a first line that is the JVM's "WARNING: Using incubator modules:
# jdk.incubator.vector". The JVM prints it on every start where that module is added, before main runs, and no
# option turns it off (JEP 11); a user of ./jgrad did not ask for the module and cannot act on the warning. Only that
# exact first line goes: any other first line, and everything after it, passes through as it comes (cat, not a line
# filter, so a progress bar redrawn with carriage returns is not held back). Interrupts and terminations are ignored
# here, so that what the JVM prints while it stops on Ctrl-C (where its last checkpoint is) still gets through;
# the filter ends when the JVM closes its end of the pipe.
jgrad_drop_incubator_warning() {
  trap '' INT TERM
  local first
  if IFS= read -r first; then
    [ "$first" = "WARNING: Using incubator modules: jdk.incubator.vector" ] || printf '%s\n' "$first"
  else
    printf '%s' "$first" # the JVM's whole output had no line end
  fi
  exec cat
}

# Runs "$@" (a java command line) with its standard error through jgrad_drop_incubator_warning, waits for the JVM
# and then for the filter, and returns the JVM's exit status. Waiting for the filter matters to a caller that reads
# ./jgrad through pipes and stops reading when ./jgrad exits (Java's Process does: it drains and closes the pipes as
# soon as its child ends): an error the JVM printed just before exiting was still in the filter and got lost (seen
# in 55 of 200 runs when this shell exec'd the JVM). The JVM runs as a background job, so that this shell can wait;
# a SIGTERM sent to ./jgrad (kill, a supervisor) and Ctrl-C are passed on to it as a SIGTERM (a background job of a
# script ignores SIGINT), on which its shutdown hooks finish the checkpoint being written; the status is then 143,
# or 130 for Ctrl-C as the JVM itself would give. Standard input stays this shell's (the progress bar checks that it
# is a terminal), or /dev/null where the shell has none. A JVM killed outright (SIGKILL: kill -9, or the kernel's
# out-of-memory killer) gets a line saying so in place of bash's job report ("line 96: 4333 Killed  "$@" 0<&3 ...").
jgrad_run_java() {
  local child= filter status=0
  jgrad_interrupted=
  # Trapped before the JVM starts: a signal that came between its start and the traps would end this shell alone
  # (the default action) and leave the JVM running unwatched. One that comes before the JVM exists is passed on as
  # soon as it does.
  trap 'jgrad_interrupted=130; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true' INT
  trap 'jgrad_interrupted=143; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true' TERM
  { exec 3<&0; } 2>/dev/null || exec 3</dev/null
  exec 4> >(jgrad_drop_incubator_warning >&2)
  filter=$!
  "$@" <&3 2>&4 3<&- 4>&- &
  child=$!
  [ -z "$jgrad_interrupted" ] || kill -TERM "$child" 2>/dev/null || true
  exec 3<&- 4>&- # the filter ends when the JVM, its last writer, closes standard error
  while :; do
    wait "$child" 2>/dev/null && status=0 || status=$? # returns early, above 128, when a trapped signal came in
    kill -0 "$child" 2>/dev/null || break
  done
  wait "$child" 2>/dev/null && status=0 || status=$? # the JVM's own status, once it has ended
  wait "$filter" 2>/dev/null || true # bash 5.1 and later wait for a process substitution by its pid
  trap - INT TERM
  [ "$status" -eq 143 ] && [ "$jgrad_interrupted" = 130 ] && status=130
  if [ "$status" -eq 137 ]; then
    # no shutdown hook ran, but checkpoints are replaced whole: a run directory holds the last one written
    echo "jgrad: java was killed (SIGKILL, exit status 137); if nobody sent that signal, the kernel ran out of memory" \
      "and killed the largest process ('dmesg' or 'journalctl -k' says). A training run's directory keeps its last" \
      "checkpoint, if it had written one: 'jgrad train --resume DIR' continues from it on this machine, and" \
      "'jgrad train --spark MASTER --resume DIR' a Spark run on Spark (one on Parquet only there)." >&2
  fi
  return "$status"
}

# Prints the run directory that 'jgrad train --spark ARGS' (io.jgrad.spark.SparkTrainMain ARGS) writes, for ./jgrad to
# build its report in: its --out, else the directory of --resume DIR (which a resumed run continues), else runs/spark;
# prints nothing where no report is wanted (--no-report, or --no-report=true in any case; or that directory's
# config.json records training.report false, as a run trained with --no-report and resumed does) or no run is made
# (--help, -h). Reads ARGS as SparkTrainMain.parse does: --flag VALUE or --flag=VALUE, the last one winning (--no-report=false
# too), and a word that starts with "--" is the next flag, never the value of the one before it.
jgrad_spark_report_dir() {
  local arg out= resume= previous= no_report=
  for arg in "$@"; do
    case "$arg" in
      --help|-h) return 0 ;;
      --no-report) no_report=1 ;;
      --no-report=*) case "${arg#--no-report=}" in [Tt][Rr][Uu][Ee]) no_report=1 ;; *) no_report= ;; esac ;;
      --out=*) out=${arg#--out=} ;;
      --resume=*) resume=${arg#--resume=} ;;
      --*) ;;
      *) case "$previous" in --out) out=$arg ;; --resume) resume=$arg ;; esac ;;
    esac
    previous=$arg
  done
  [ -z "$no_report" ] || return 0
  # a run trained with --no-report records it (training.report false, as jgrad train does) and --resume keeps it: read
  # after the run, the config.json of the directory it wrote says so
  local dir=${out:-${resume:-runs/spark}}
  [ -f "$dir/config.json" ] && grep -q '"report"[[:space:]]*:[[:space:]]*false' "$dir/config.json" && return 0
  printf '%s\n' "$dir"
}

# After 'jgrad train --spark ARGS' (io.jgrad.spark.SparkTrainMain ARGS) ended with STATUS, draws its report.html and
# charts with 'jgrad report DIR' (jgrad_cli, which ./jgrad defines) where jgrad train writes them, in the directory of
# jgrad_spark_report_dir; returns the status ./jgrad ends with. Drawn after a run that ended well (0), and after one that
# diverged (2) with epochs in its directory to report, as jgrad train draws the epochs before a divergence: the run then
# wrote where it diverged ("epoch 3, step 5: the loss is NaN") into DIVERGED, the file the launcher named to it with
# -Djgrad.diverged, and 'jgrad report DIR --diverged WORDS' names the divergence as jgrad train's report does. A refusal
# ends with 2 too but writes nothing there, nor does a run that diverged with no epoch to report. Other failures (1, an
# interruption's 130 or 143) draw nothing, as jgrad train writes no report then.
jgrad_spark_after() {
  local status=$1 diverged=$2 dir
  shift 2
  dir=$(jgrad_spark_report_dir "$@")
  [ -n "$dir" ] || return "$status"
  if [ "$status" -eq 0 ]; then
    jgrad_cli report "$dir" || { status=$?; echo "jgrad: the Spark run in $dir is complete, but its report was not" \
      "written (above); 'jgrad report $dir' tries again" >&2; }
  elif [ "$status" -eq 2 ] && [ -s "$diverged" ]; then
    # the divergence stays the error the run ends with, as in jgrad train
    jgrad_cli report "$dir" --diverged "$(cat "$diverged")" || echo "jgrad: the report of the epochs of the Spark run in" \
      "$dir before it diverged was not written (above); 'jgrad report $dir' tries again" >&2
  fi
  return "$status"
}
