#!/usr/bin/env bash
# Remakes the reference pictures (static/refs/): for each coffee class, 3 example leaves from the TRAIN split of
# ../shared/datasets/bracol-leaf (never val or test photos), as small JPEG thumbnails (longest side 160 px, quality
# 75, metadata stripped), with static/refs/index.json naming each photo, its source and licence (from the dataset's
# SOURCE.md: BRACOL, CC BY 4.0). The build copies them as they are; this script is run by hand when the choice changes.
# Choice: the lowest-numbered train leaves whose only stress is that class (so the example shows that disease alone),
# preferring severity 2 or more (visible symptoms); healthy: severity 0. Needs ImageMagick (apt-get install imagemagick).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
data="${BRACOL:-$here/../../../../shared/datasets/bracol-leaf}"
out="$here/static/refs"
per_class=3
convert="$(command -v convert || true)"
if [[ -z "$convert" || ! -f "$data/labels.csv" ]]; then
  echo "make-references: needs ImageMagick's convert and $data/labels.csv; keeping the committed pictures in $out" >&2
  exit 0
fi
rm -rf "$out"; mkdir -p "$out/coffee"
entries=""
for cls in rust miner phoma cercospora healthy; do
  # file,class,miner,rust,phoma,cercospora,severity,split (CRLF line ends)
  picks=$(tr -d '\r' < "$data/labels.csv" | awk -F, -v c="$cls" 'NR>1 && $2==c && $8=="train" && ($3+$4+$5+$6) == (c=="healthy" ? 0 : 1) {print ($7>=2 || c=="healthy" ? 0 : 1), $1+0, $1, $7}' \
    | sort -k1,1n -k2,2n | head -n "$per_class")
  items=""
  while read -r _ _ file severity; do
    name="${cls}-${file%.jpg}.jpg"
    "$convert" "$data/$cls/$file" -strip -resize 160x160 -quality 75 "$out/coffee/$name"
    items+="${items:+, }{\"file\": \"coffee/$name\", \"dataset\": \"$cls/$file\", \"severity\": $severity}"
  done <<< "$picks"
  entries+="${entries:+,
}    \"$cls\": [$items]"
done
cat > "$out/index.json" <<JSON
{
  "source": "BRACOL (Esgario, Krohling, Ventura 2020)",
  "split": "train",
  "licence": "CC BY 4.0",
  "licenceUrl": "https://creativecommons.org/licenses/by/4.0/",
  "origin": "doi 10.17632/yy2k5y8mxg.1; github.com/esgario/lara2018",
  "crops": {
   "coffee": {
$entries
   }
  }
}
JSON
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$out/index.json"
echo "make-references: $(ls "$out/coffee" | wc -l) pictures in $out, $(du -sh "$out" | cut -f1)"
