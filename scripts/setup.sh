#!/usr/bin/env bash
# One-shot set-up for a fresh Debian 12 machine: the npm packages (npm ci) and the Debian packages the kit
# and its tests use (Jupyter for the notebooks, Chromium for static figures and the report test,
# scikit-image / PIL as independent metric and resampling oracles, PyTorch for the peer benchmark, g++ and
# oneDNN for the conv addon that lets the wasm backend train ~3× faster).
# Idempotent: packages already present are not reinstalled. Without root (and without sudo) the Debian part is
# skipped with a warning; the kit still trains and falls back where a package is missing (see environment.md).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel jupyter-notebook  # notebooks (tslab kernel)
  chromium                                                                             # static figures, report test
  python3-skimage python3-pil                                                          # metric / resize oracles
  python3-torch                                                                        # PyTorch peer benchmark
  g++ libdnnl-dev                                                                      # oneDNN conv addon (native/cpu-kernels)
  ffmpeg                                                                               # video frames for the embedded set; video in/out
  slurm-wlm munge                                                                      # a one-node Slurm cluster for the executor tests
)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else SUDO=(none); fi
  if [ "${SUDO[0]:-}" = none ]; then
    echo "setup: not root and no sudo: skipping Debian packages ${missing[*]} (notebook/report tests will fail; training works)" >&2
  else
    echo "setup: installing Debian packages: ${missing[*]}"
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: Debian packages present"
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error

# The oneDNN conv addon: optional at run time (the kit falls back to XNNPACK convs and says so), so a failed
# build warns instead of stopping the set-up.
if ! bash native/cpu-kernels/build.sh; then
  echo "setup: WARNING: the oneDNN conv addon did not build; wasm convs stay on XNNPACK (about 3× slower training)" >&2
fi

# Register the tslab kernel that runs notebooks from the project root (see environment.md).
if [ -x /usr/bin/jupyter ]; then node bin/jasr.js notebooks --install-kernel; fi
echo "setup: done"
