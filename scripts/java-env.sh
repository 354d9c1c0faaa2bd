# Sourced by ./jgrad and ./run-tests: finds a JDK 25 and exports JAVA_HOME for it and for Maven.
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
