#!/usr/bin/env bash
# Checks that the demo's simulator seed mirrors config/samples, so that `make demo` fails fast (and says what
# to fix) instead of halfway through. hack/demo.sh runs it first.
#   hack/demo/check-seed.sh [SEED [SAMPLES_DIR]]
# Checks, for every sample OfficialAccount, MiniProgram and WeChatStore: its AppID is seeded, with the
# matching account type, the appSecret of its Secret, and its declared subject name and type; the seed holds
# no account the samples lack; each ObserveOnly Official Account link is seeded as linked (status 1); each
# MerchantBinding's merchant is bound to its target. Offline: YAML is read with `kubectl --local`.
# $KUBECTL names the kubectl to use (default: kubectl on PATH).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seed=${1:-$root/hack/demo/wechatsim-seed.yaml}
samples=${2:-$root/config/samples}
kubectl=${KUBECTL:-kubectl}

# fields TEMPLATE: renders each object of the YAML stream on stdin through a kubectl jsonpath template, offline
# (--local never contacts a cluster; KUBECONFIG=/dev/null makes sure of it).
fields() {
  KUBECONFIG=/dev/null "$kubectl" annotate --local -f - wxlink.dev/check-seed=1 --dry-run=client -o "jsonpath=$1"
}

# The samples, one line per object: kind|name|appID|secretName|appSecretKey|subject|subjectType|
#   managementPolicy|type|from.name|to.name|merchantID|target.name|stringData.appSecret|data.appSecret
samples_rows=$("$kubectl" kustomize "$samples" | fields '{.kind}|{.metadata.name}|{.spec.appID}|{.spec.credentials.secretName}|{.spec.credentials.appSecretKey}|{.spec.subject.name}|{.spec.subject.type}|{.spec.managementPolicy}|{.spec.type}|{.spec.from.name}|{.spec.to.name}|{.spec.merchantID}|{.spec.target.name}|{.stringData.appSecret}|{.data.appSecret}{"\n"}')
# The seed (a sim.SeedFile, not a Kubernetes object: give it an object header so that kubectl reads it).
seed_rows=$({ printf 'apiVersion: demo.wxlink.dev/v1\nkind: Seed\nmetadata: {name: seed}\n'; cat "$seed"; } |
  fields '{range .accounts[*]}A|{.appid}|{.type}|{.secret}|{.subject.name}|{.subject.type}{"\n"}{end}{range .links[*]}L|{.officialAccount}|{.miniProgram}|{.status}{"\n"}{end}{range .merchants[*]}M|{.appid}|{.mchid}{"\n"}{end}')

declare -A secret_of appid_of seeded_type seeded_secret seeded_subject sample_appids seeded_links seeded_merchants
while IFS='|' read -r kind name appid _ _ _ _ _ _ _ _ _ _ sd d; do
  case $kind in
    Secret) secret_of[$name]=${sd:-$(printf '%s' "$d" | base64 -d 2>/dev/null || true)} ;;
    OfficialAccount | MiniProgram | WeChatStore) appid_of[$kind/$name]=$appid ;;
  esac
done <<<"$samples_rows"
while IFS='|' read -r tag a b c d e; do
  case $tag in
    A) seeded_type[$a]=$b seeded_secret[$a]=$c seeded_subject[$a]="$d (${e:-Enterprise})" ;;
    L) seeded_links[$a/$b]=$c ;;
    M) seeded_merchants[$a/$b]=1 ;;
  esac
done <<<"$seed_rows"

errors=()
while IFS='|' read -r kind name appid secret_name secret_key subject subject_type policy type from to mchid target _ _; do
  case $kind in
    OfficialAccount | MiniProgram | WeChatStore)
      sample_appids[$appid]=1
      want_type=$kind
      [ "$kind" != WeChatStore ] || want_type=Store
      if [ -z "${seeded_type[$appid]:-}" ]; then
        errors+=("$kind $name: appID $appid is not seeded")
        continue
      fi
      [ "${seeded_type[$appid]}" = "$want_type" ] ||
        errors+=("$kind $name: appID $appid is seeded as type ${seeded_type[$appid]}, want $want_type")
      [ "${seeded_subject[$appid]}" = "$subject (${subject_type:-Enterprise})" ] ||
        errors+=("$kind $name: the sample declares subject $subject (${subject_type:-Enterprise}), the seed has ${seeded_subject[$appid]}")
      if [ -n "${secret_key:-}" ] && [ "$secret_key" != appSecret ]; then
        errors+=("$kind $name: credentials.appSecretKey $secret_key: this check only reads the key appSecret")
      elif [ "${seeded_secret[$appid]}" != "${secret_of[$secret_name]:-}" ]; then
        errors+=("$kind $name: the seeded secret differs from appSecret of Secret $secret_name")
      fi
      ;;
    AssociationLink)
      if [ "$policy" = ObserveOnly ] && [ "$type" = OfficialAccountToMiniProgram ]; then
        oa=${appid_of[OfficialAccount/$from]:-?} mp=${appid_of[MiniProgram/$to]:-?}
        [ "${seeded_links[$oa/$mp]:-}" = 1 ] ||
          errors+=("AssociationLink $name (ObserveOnly) expects an existing link $from -> $to ($oa -> $mp, status 1) in the seed's links")
      fi
      ;;
    MerchantBinding)
      mp=${appid_of[MiniProgram/$target]:-${appid_of[OfficialAccount/$target]:-?}}
      [ -n "${seeded_merchants[$mp/$mchid]:-}" ] ||
        errors+=("MerchantBinding $name expects merchant $mchid bound to $target ($mp) in the seed's merchants")
      ;;
  esac
done <<<"$samples_rows"
for appid in "${!seeded_type[@]}"; do
  [ -n "${sample_appids[$appid]:-}" ] || errors+=("the seed has account $appid, which no sample declares")
done

if [ ${#errors[@]} -gt 0 ]; then
  echo "${seed#"$root"/} does not mirror ${samples#"$root"/}; change the seed with the samples:" >&2
  printf '  - %s\n' "${errors[@]}" >&2
  exit 1
fi
echo "seed ${seed#"$root"/} mirrors ${samples#"$root"/} (${#sample_appids[@]} accounts)"
