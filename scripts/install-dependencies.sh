#!/usr/bin/env bash
# Installs the Debian/Ubuntu -dev libraries Forger links when missing: zlib (gzip, PNG writing),
# libpng and libjpeg(-turbo) (reading image folders).
set -euo pipefail
packages=(zlib1g-dev libpng-dev libjpeg-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi
