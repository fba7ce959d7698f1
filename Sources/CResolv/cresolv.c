#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include "cresolv.h"

int cresolv_query_a(const char *server, int port, const char *name, int timeout_seconds,
                    int *rcode, cresolv_record *out, int max_out, char *used_server, int used_len) {
    struct __res_state state;
    memset(&state, 0, sizeof(state));
    if (res_ninit(&state) != 0) return -1;
    if (server != NULL) {
        struct sockaddr_in address;
        memset(&address, 0, sizeof(address));
        address.sin_family = AF_INET;
        address.sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, server, &address.sin_addr) != 1) { res_nclose(&state); return -1; }
        state.nsaddr_list[0] = address;
        state.nscount = 1;
    }
    state.retrans = timeout_seconds > 0 ? timeout_seconds : 1;
    state.retry = 1;
    // As dig does: with pfcode set, res_send returns a SERVFAIL/REFUSED answer instead of turning
    // it into an error (which would look like a timeout), so the two can be told apart.
    state.pfcode = RES_PRF_REPLY;
    if (used_server != NULL && used_len > 0) {
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &state.nsaddr_list[0].sin_addr, ip, sizeof(ip));
        snprintf(used_server, used_len, "%s:%d", ip, ntohs(state.nsaddr_list[0].sin_port));
    }

    unsigned char query[NS_PACKETSZ];
    int query_len = res_nmkquery(&state, ns_o_query, name, ns_c_in, ns_t_a, NULL, 0, NULL, query, sizeof(query));
    if (query_len < 0) { res_nclose(&state); return -1; }
    unsigned char answer[NS_MAXMSG];
    int answer_len = res_nsend(&state, query, query_len, answer, sizeof(answer));
    res_nclose(&state);
    if (answer_len < 0) return -1;

    ns_msg message;
    if (ns_initparse(answer, answer_len, &message) < 0) return -2;
    *rcode = ns_msg_getflag(message, ns_f_rcode);
    int count = ns_msg_count(message, ns_s_an);
    int written = 0;
    for (int i = 0; i < count && written < max_out; i++) {
        ns_rr rr;
        if (ns_parserr(&message, ns_s_an, i, &rr) < 0) return -2;
        cresolv_record *record = &out[written];
        memset(record, 0, sizeof(*record));
        snprintf(record->name, sizeof(record->name), "%s", ns_rr_name(rr));
        record->type = ns_rr_type(rr);
        record->ttl = ns_rr_ttl(rr);
        if (record->type == ns_t_a && ns_rr_rdlen(rr) == 4) {
            inet_ntop(AF_INET, ns_rr_rdata(rr), record->data, sizeof(record->data));
        } else if (record->type == ns_t_cname) {
            if (ns_name_uncompress(ns_msg_base(message), ns_msg_end(message), ns_rr_rdata(rr),
                                   record->data, sizeof(record->data)) < 0) return -2;
        }
        written++;
    }
    return written;
}
