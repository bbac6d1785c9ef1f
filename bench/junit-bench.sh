# Sourced by the benchmarks that are JUnit classes (kept out of the suite by their *Bench name):
# builds, runs the class, and prints its lines that start with "<prefix>:".
run_junit_bench() {
  local class="$1" prefix="$2"
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  . "$root/bin/jdk.sh"
  cd "$root"
  mvn -B -q install -DskipTests -pl esi-server -am >/dev/null
  if ! mvn -B -q test -pl esi-server -Dtest="$class" -Dsurefire.failIfNoSpecifiedTests=false >/dev/null 2>&1; then
    echo "$prefix: benchmark failed; see esi-server/target/surefire-reports/org.esi.bench.$class.txt" >&2
    exit 1
  fi
  grep -h "^$prefix:" "esi-server/target/surefire-reports/org.esi.bench.$class-output.txt"
}
