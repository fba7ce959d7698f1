// DNS A-record lookups through glibc's resolver (res_nmkquery/res_nsend, ns_parse), for the
// verifier: the whole answer (CNAME chain and addresses, with TTLs) and the response code.
#ifndef CRESOLV_H
#define CRESOLV_H

typedef struct {
    char name[256];
    int type;            // 1 = A, 5 = CNAME, other types as DNS numbers them
    unsigned int ttl;
    char data[256];      // dotted address for A, target name for CNAME
} cresolv_record;

// Asks `server` (an IPv4 address and port; NULL for the system's /etc/resolv.conf) for the A
// records of `name`. Returns the number of answer records written to `out` (at most `max_out`)
// and sets `*rcode` (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, …); returns -1 when no answer came
// within `timeout_seconds` (or the query could not be sent), -2 when the answer was malformed.
// `used_server` receives "ip:port" of the resolver asked.
int cresolv_query_a(const char *server, int port, const char *name, int timeout_seconds,
                    int *rcode, cresolv_record *out, int max_out, char *used_server, int used_len);
#endif
