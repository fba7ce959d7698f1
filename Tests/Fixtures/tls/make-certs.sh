#!/bin/sh
# Regenerates the test certificates in this folder (see README.md).
set -eu
cd "$(dirname "$0")"
days=36500
names="DNS:*.datadoghq.com,DNS:*.agent.datadoghq.com,DNS:*.intake.datadoghq.com,DNS:*.logs.datadoghq.com,DNS:*.profile.datadoghq.com,DNS:*.ap2.datadoghq.com,DNS:*.intake.ap2.datadoghq.com,DNS:secretsmanager.us-east-1.amazonaws.com"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days -subj "/CN=privatelinkd test CA" \
    -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
leaf() {  # name subject-alt-names
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr"
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -extfile "$1.ext" -out "$1.pem"
    rm "$1.csr" "$1.ext"
}
leaf intake "$names"
leaf wrong-name "DNS:wrong-name.example.net"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days -subj "/CN=self-signed intake" \
    -keyout self-signed.key -out self-signed.pem -addext "subjectAltName=$names"
rm -f ca.key ca.srl
