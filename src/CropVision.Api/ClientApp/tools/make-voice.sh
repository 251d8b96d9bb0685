#!/usr/bin/env bash
# Remakes the read-aloud clips (static/voice/) from the service's catalogue, for phones with no Vietnamese voice
# (speak.js uses the browser's speechSynthesis when it has one). Needs Debian's espeak-ng (Vietnamese voice) and
# opus-tools (opusenc): `apt-get install -y espeak-ng opus-tools`. Without them it says so and leaves the committed
# clips as they are (the build never runs this: the clips are committed, remade by hand when the catalogue changes;
# a test fails when static/voice/index.json no longer matches the catalogue).
# Speech: espeak-ng voice $VOICE (default vi, Northern; vi-vn-x-central and vi-vn-x-south exist), 150 words/min,
# 16 kHz mono WAV, then Opus at 16 kbit/s in Ogg (speech stays clear; about 2 KB per second).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/static/voice"
voice="${VOICE:-vi}"
for tool in espeak-ng opusenc node; do
  if ! command -v "$tool" >/dev/null; then
    echo "make-voice: $tool not found (apt-get install -y espeak-ng opus-tools); keeping the committed clips in $out" >&2
    exit 0
  fi
done
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"; mkdir -p "$out"
node "$here/tools/voice-texts.mjs" > "$tmp/texts.tsv"
while IFS=$'\t' read -r file text; do
  mkdir -p "$out/$(dirname "$file")"
  espeak-ng -v "$voice" -s 150 -w "$tmp/clip.wav" -- "$text"
  opusenc --quiet --bitrate 16 --downmix-mono --comment "text=$text" "$tmp/clip.wav" "$out/$file"
done < "$tmp/texts.tsv"
node -e 'const t={};for(const l of require("fs").readFileSync(process.argv[1],"utf8").split("\n")){if(!l)continue;const i=l.indexOf("\t");t[l.slice(0,i)]=l.slice(i+1);}require("fs").writeFileSync(process.argv[2],JSON.stringify({voice:process.argv[3],texts:t},null,1)+"\n")' "$tmp/texts.tsv" "$out/index.json" "$voice"
echo "make-voice: $(wc -l < "$tmp/texts.tsv") clips in $out, $(du -sh "$out" | cut -f1)"
