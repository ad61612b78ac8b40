/* portspec.c - docker's -p syntax (pure; unit-tested). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network.h"

int net_port_range(const char *s, int *lo, int *hi)
{
    char *end;
    long a = strtol(s, &end, 10), b = a;
    if (end == s)
        return -1;
    if (*end == '-') {
        const char *t = end + 1;
        b = strtol(t, &end, 10);
        if (end == t)
            return -1;
    }
    if (*end != '\0' || a < 1 || b > 65535 || b < a)
        return -1;
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

int net_parse_publish(const char *spec, json_t *bindings, json_t *exposed, sk_error *err)
{
    char buf[256];
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf)
        return sk_err(err, 0, "invalid publish spec: %s", spec);
    const char *proto = "tcp";
    char *slash = strrchr(buf, '/');
    if (slash != NULL) {
        *slash = '\0';
        proto = slash + 1;
        if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
            return sk_err(err, 0, "invalid proto: %s", proto);
        if (strcmp(proto, "sctp") == 0)
            return sk_err(err, 0, "publishing sctp ports is not supported");
    }
    char *cport;
    const char *hport = "", *hip = "";
    if (buf[0] == '[') { /* [IPv6]:hostPort:containerPort, [IPv6]::containerPort */
        char *close = strchr(buf, ']');
        struct in6_addr a6;
        if (close == NULL || close[1] != ':' || (cport = strrchr(close + 2, ':')) == NULL)
            return sk_err(err, 0, "invalid publish spec %s: expected [IPv6]:hostPort:containerPort", spec);
        *close = '\0';
        hip = buf + 1;
        if (inet_pton(AF_INET6, hip, &a6) != 1)
            return sk_err(err, 0, "invalid IP address %s in publish spec %s", hip, spec);
        *cport++ = '\0';
        hport = close + 2;
    } else if ((cport = strrchr(buf, ':')) != NULL) {
        *cport++ = '\0';
        char *c2 = strrchr(buf, ':');
        if (c2 != NULL) {
            *c2 = '\0';
            hip = buf;
            hport = c2 + 1;
            struct in_addr a4;
            if (*hip && inet_pton(AF_INET, hip, &a4) != 1)
                return sk_err(err, 0, "invalid IP address %s in publish spec %s%s", hip, spec,
                              strchr(hip, ':') ? " (an IPv6 address goes in brackets: [::1]:8080:80)" : "");
        } else {
            hport = buf;
        }
    } else {
        cport = buf;
    }
    int clo, chi, hlo = 0, hhi = 0;
    if (net_port_range(cport, &clo, &chi) < 0)
        return sk_err(err, 0, "invalid containerPort: %s", cport);
    if (*hport && net_port_range(hport, &hlo, &hhi) < 0)
        return sk_err(err, 0, "invalid hostPort: %s", hport);
    /* one container port and a host range: a free port of the range, at start */
    bool any_of = *hport && hhi > hlo && chi == clo;
    if (*hport && !any_of && hhi - hlo != chi - clo)
        return sk_err(err, 0, "invalid ranges specified for container and host Ports: %s and %s",
                      cport, hport);
    for (int p = clo; p <= chi; p++) {
        char key[32], hp[16] = "";
        snprintf(key, sizeof key, "%d/%s", p, proto);
        if (any_of)
            snprintf(hp, sizeof hp, "%d-%d", hlo, hhi);
        else if (*hport)
            snprintf(hp, sizeof hp, "%d", hlo + (p - clo));
        json_t *list = json_object_get(bindings, key);
        if (list == NULL) {
            list = json_array();
            json_object_set_new(bindings, key, list);
        }
        json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hp));
        json_object_set_new(exposed, key, json_object());
    }
    return 0;
}

