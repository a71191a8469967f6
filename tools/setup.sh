#!/usr/bin/env bash
# Sets up everything ser needs on a fresh Debian machine with Node.js/npm:
#   - Debian packages (as root, only the missing ones): OpenBLAS (fast training), espeak-ng (demo
#     corpus), Jupyter (headless notebooks), Chromium (PNG charts), sox (the decoder tests' μ-law,
#     A-law and AIFF files);
#   - the pinned Deno from the npm registry (tools/package.json) and the project's npm packages;
#   - the Deno Jupyter kernel, registered for this clone only (.cache/jupyter, see below);
#   - JupyterLab 4 (pip, in the virtual environment .cache/jupyterlab-venv) and a copy of
#     plotly.js in vendor/ that Jupyter serves to the notebooks' charts.
# Usage: bash tools/setup.sh [--run]     (--run: then run the whole pipeline: deno task pipeline)
# Set SER_SKIP_JUPYTERLAB=1 to skip JupyterLab (the pipeline and the tests need only nbclient).
# Set SER_SKIP_APT=1 to skip the Debian packages; SER_WITH_BENCH=1 adds what `deno task bench`
# compares against: PyTorch (training anchor) and librosa's dependencies (librosa 0.9.2's own
# source must be placed in .cache/librosa-0.9.2, see README, "Feature extraction vs librosa").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '\n== setup: %s\n' "$*"; }

apt_packages=(libopenblas0-pthread espeak-ng jupyter-nbconvert python3-nbclient jupyter-client
  python3-ipykernel python3-venv chromium unzip sox)
if [ "${SER_WITH_BENCH:-0}" = 1 ]; then
  apt_packages+=(python3-torch python3-numba python3-scipy python3-resampy python3-soundfile
    python3-audioread python3-pooch python3-lazy-loader python3-joblib python3-decorator
    python3-sklearn)
fi

if [ "${SER_SKIP_APT:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
      echo "setup: cannot install ${missing[*]} (not root, no sudo); continuing without them" >&2
      sudo="skip"
    fi
    if [ "$sudo" != skip ]; then
      log "installing Debian packages: ${missing[*]}"
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    fi
  else
    log "Debian packages present"
  fi
fi

log "installing Deno (npm registry, pinned in tools/package-lock.json)"
if [ ! -x tools/node_modules/.bin/deno ]; then
  npm ci --prefix tools --no-audit --no-fund --loglevel=error
fi
tools/deno --version | head -1

log "installing the project's npm packages (deno.lock)"
tools/deno install --frozen --quiet 2>/dev/null || tools/deno install --frozen

log "copying plotly.js to vendor/ (served by Jupyter to the notebooks' charts)"
tools/deno eval 'import { ensurePlotlyCopy } from "./lib/visualizer/plotly_bundle.ts";
console.log(await ensurePlotlyCopy());'

# The kernel: this clone's own spec in .cache/jupyter/kernels/deno (found through JUPYTER_PATH,
# which the pipeline sets; start JupyterLab as printed at the end), so two clones never overwrite each other's
# registration. A user-wide "deno" kernel (for a plain `jupyter lab`) is registered only when
# there is none or it points at a Deno that no longer exists; a working one is left alone.
log "registering the Deno Jupyter kernel for this project (.cache/jupyter)"
tools/deno eval 'import { ensureProjectKernel } from "./lib/pipeline/notebook_runner.ts";
console.log(await ensureProjectKernel());'
if command -v jupyter >/dev/null 2>&1; then
  user_deno="$(jupyter kernelspec list --json 2>/dev/null | python3 -c '
import json, sys
specs = json.load(sys.stdin).get("kernelspecs", {})
print(specs.get("deno", {}).get("spec", {}).get("argv", [""])[0])' 2>/dev/null || true)"
  if [ -z "$user_deno" ] || [ ! -x "$user_deno" ]; then
    log "registering a user-wide Deno kernel (none working found)"
    tools/deno jupyter --install --force >/dev/null 2>&1 || tools/deno jupyter --install
  else
    echo "user-wide deno kernel left as is: $user_deno"
  fi
else
  echo "setup: jupyter not found; notebooks can still be opened once it is installed" >&2
fi

venv=.cache/jupyterlab-venv
if [ "${SER_SKIP_JUPYTERLAB:-0}" != 1 ]; then
  if [ ! -x "$venv/bin/jupyter-lab" ]; then
    log "installing JupyterLab 4 (pip, into $venv)"
    python=/usr/bin/python3
    [ -x "$python" ] || python="$(command -v python3)"
    "$python" -m venv "$venv"
    # --retries 1: where only a local package index answers, do not wait minutes on each
    # unreachable one.
    "$venv/bin/pip" install --quiet --retries 1 --timeout 20 "jupyterlab>=4,<5" ||
      echo "setup: JupyterLab could not be installed; tests/jupyterlab_test.ts will be skipped" >&2
  fi
  [ -x "$venv/bin/jupyter-lab" ] && "$venv/bin/jupyter-lab" --version | sed 's/^/JupyterLab /'
fi

if [ "${1:-}" = "--run" ]; then
  log "running the pipeline (deno task pipeline)"
  exec tools/deno task pipeline
fi
log "done. Next: tools/deno task pipeline   (or tools/deno task test)"
if [ -x "$venv/bin/jupyter-lab" ]; then
  echo "JupyterLab with this project's kernel:"
  echo "  JUPYTER_PATH=$root/.cache/jupyter $venv/bin/jupyter lab"
fi
