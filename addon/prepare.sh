#!/bin/sh
# Copies the homesec add-on into <dest> (e.g. /addons/homesec on the Home Assistant host,
# reachable with the Samba or SSH add-on) together with the project sources the Dockerfile
# builds from. Usage: addon/prepare.sh <dest>
set -eu
dest=${1:?usage: addon/prepare.sh <dest directory>}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$dest/app"
cp "$here/config.yaml" "$here/Dockerfile" "$here/DOCS.md" "$dest/"
for f in package.json package-lock.json tsconfig.json tsconfig.build.json; do
  cp "$root/$f" "$dest/app/"
done
for d in src scripts web native; do
  if [ -d "$root/$d" ]; then
    rm -rf "${dest:?}/app/$d"
    cp -R "$root/$d" "$dest/app/$d"
  fi
done
rm -rf "$dest/app/native/udp-rx/build" # built inside the image
echo "homesec add-on prepared in $dest: in Home Assistant open Settings > Add-ons > Add-on store > ⋮ > Check for updates, then install \"homesec\" from Local add-ons."
