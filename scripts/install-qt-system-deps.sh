#!/bin/sh
# Qt 6's xcb platform plugin needs these Debian/Ubuntu libraries for a real window.
# Installs the missing ones with apt-get (as root, or through sudo); otherwise prints the command.
PKGS="libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3"
command -v dpkg-query >/dev/null 2>&1 || { echo "not a Debian/Ubuntu system: install Qt 6's xcb libraries yourself"; exit 0; }
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "Qt needs these system packages for a window; install them as root:"
  echo "  apt-get install -y --no-install-recommends$missing"
  exit 0
fi
echo "installing Qt's system libraries:$missing"
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null \
  || echo "could not install them; run: apt-get install -y --no-install-recommends$missing"
exit 0
