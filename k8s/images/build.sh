#!/usr/bin/env bash
# Builds the service images from the Dockerfiles in the repository (<module>/src/main/docker/Dockerfile.*):
#   ./fedarch images [--base IMAGE|local] [--tag TAG] [--prefix PREFIX] [--skip-gpu]
# --base   what every Dockerfile starts FROM (its BASE build argument). Default: debian:bookworm-slim, pulled
#          from a registry as on a real cluster's build machine. "local" pulls nothing: a minimal Debian 12 made
#          here with debootstrap from the Debian mirror apt uses, imported as localhost/debian:bookworm-min.
# --tag    image tag (default: the project version); --prefix: name prefix (default localhost/; a registry path
#          such as registry.example.com/fedarch/ for pushing). --skip-gpu: do not try the GPU worker image.
# Builds fedarch-coordinator, fedarch-worker and fedarch-pruning from the packaged services (building them when
# missing), then tries fedarch-worker-gpu and says what it needs when this machine cannot make it. Uses podman
# when present (with runc, cgroupfs and k8s/images/containers.conf, which run where systemd does not), else docker.
set -euo pipefail
cd "$(dirname "$0")/../.."

base=debian:bookworm-slim
tag=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
prefix=localhost/
gpu_image=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --skip-gpu) gpu_image=no; shift ;;
    *) sed -n '2,11p' "$0"; exit 2 ;;
  esac
done

if command -v podman >/dev/null; then
  export CONTAINERS_CONF="$PWD/k8s/images/containers.conf"
  tool=(podman --runtime runc --cgroup-manager=cgroupfs)
  build=("${tool[@]}" build --network host)
elif command -v docker >/dev/null; then
  tool=(docker)
  build=(docker build)
else
  echo "neither podman nor docker found: install one (Debian: apt-get install podman runc)" >&2
  exit 1
fi

if [ "$base" = local ]; then
  base=localhost/debian:bookworm-min
  if ! "${tool[@]}" image exists "$base" 2>/dev/null; then
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    mirror=${mirror:-http://deb.debian.org/debian}
    rootfs=$(mktemp -d)
    trap 'rm -rf "$rootfs"' EXIT
    echo "making $base: debootstrap --variant=minbase bookworm from $mirror ..."
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    # An interrupted run must not leave an empty base that every later build would start FROM.
    [ -x "$rootfs/bin/sh" ] || { echo "debootstrap left no /bin/sh in $rootfs" >&2; exit 1; }
    tar -C "$rootfs" -c . | "${tool[@]}" import - "$base" >/dev/null
  fi
fi

for app in coordinator-service worker-service pruning-service; do
  if [ ! -f "$app/target/quarkus-app/quarkus-run.jar" ]; then
    mvn -B -q -DskipTests package
    break
  fi
done

declare -A names=([coordinator-service]=fedarch-coordinator [worker-service]=fedarch-worker [pruning-service]=fedarch-pruning)
for app in coordinator-service worker-service pruning-service; do
  image="${prefix}${names[$app]}:$tag"
  echo "building $image (FROM $base) ..."
  "${build[@]}" -q --build-arg BASE="$base" -f "$app/src/main/docker/Dockerfile.jvm" -t "$image" "$app" >/dev/null
  echo "  $image: $("${tool[@]}" image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
done

[ "$gpu_image" = yes ] || exit 0

# The GPU worker needs the CUDA build of libtorch packaged in (mvn -Pgpu); first ask Maven for that jar alone.
gpu="${prefix}fedarch-worker-gpu:$tag"
cuda=ai.djl.pytorch:pytorch-native-cu128:$(sed -n 's:.*<pytorch.version>\(.*\)</pytorch.version>.*:\1:p' pom.xml | head -1):jar:linux-x86_64
if mvn -B -q dependency:get -Dartifact="$cuda" -Dtransitive=false >/tmp/fedarch-gpu-build.log 2>&1 \
   && mvn -B -q -DskipTests -Pgpu -pl worker-service -am package -Dquarkus.package.output-directory=quarkus-app-gpu \
        >>/tmp/fedarch-gpu-build.log 2>&1; then
  "${build[@]}" -q --build-arg BASE="$base" --build-arg APP=target/quarkus-app-gpu \
    -f worker-service/src/main/docker/Dockerfile.gpu -t "$gpu" worker-service >/dev/null
  echo "  $gpu built"
else
  echo "  $gpu not built: the worker's GPU build (mvn -Pgpu) needs $cuda (the CUDA build of"
  echo "  libtorch), which Maven could not get here (/tmp/fedarch-gpu-build.log); build it where Maven Central serves it"
fi
