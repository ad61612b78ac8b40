/* regclient.c - HTTP requests to a registry, with its authentication. */
#define _GNU_SOURCE
#include "image/regclient.h"

#include "image/dl_curl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/base64.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strutil.h"

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.1"
#endif

static bool is_loopback(const char *host)
{
    if (strncmp(host, "localhost", 9) == 0 && (host[9] == '\0' || host[9] == ':'))
        return true;
    return strncmp(host, "127.", 4) == 0 || strncmp(host, "[::1]", 5) == 0;
}

/* "host", "host:port", or either with a scheme, as docker's list has them */
static bool listed(const char *host, char *const *insecure)
{
    for (size_t i = 0; insecure && insecure[i]; i++) {
        const char *h = insecure[i];
        if (strncmp(h, "https://", 8) == 0)
            h += 8;
        else if (strncmp(h, "http://", 7) == 0)
            h += 7;
        size_t n = strcspn(h, "/");
        if (strlen(host) == n && strncmp(h, host, n) == 0)
            return true;
    }
    return false;
}

int regclient_init(struct regclient *c, const char *host, const char *repo, const char *creds,
                   char *const *insecure, sk_error *err)
{
    memset(c, 0, sizeof *c);
    if (sk_curl_load(err) < 0)
        return -1;
    if (strlen(host) > 255 || strlen(repo) >= sizeof c->repo)
        return sk_err(err, 0, "registry \"%s\": name too long", host);
    bool loop = is_loopback(host);
    c->downgrade = !loop && listed(host, insecure);
    c->verify = !loop && !c->downgrade;
    snprintf(c->base, sizeof c->base, "%s://%s/v2/", loop ? "http" : "https", host);
    snprintf(c->repo, sizeof c->repo, "%s", repo);
    if (creds != NULL && (c->creds = strdup(creds)) == NULL)
        return sk_err(err, ENOMEM, "registry");
    pthread_mutex_init(&c->lock, NULL);
    return 0;
}

void regclient_free(struct regclient *c)
{
    free(c->creds);
    free(c->auth_header);
    pthread_mutex_destroy(&c->lock);
}

static size_t on_header(char *b, size_t size, size_t n, void *ud)
{
    struct regresp *r = ud;
    size_t len = size * n;
    char line[1200];
    snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1), b);
    line[strcspn(line, "\r\n")] = '\0';
    const char *v = strchr(line, ':');
    v = v ? v + 1 + strspn(v + 1, " \t") : "";
    if (strncasecmp(line, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100): forget the last one */
        r->challenge[0] = r->content_type[0] = r->next[0] = '\0';
        const char *sp = strchr(line, ' ');
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        /* a server that ignores Range sends everything again: drop what we have */
        r->skip = r->status == 200 ? r->range_from : 0;
    } else if (strncasecmp(line, "content-type:", 13) == 0) {
        snprintf(r->content_type, sizeof r->content_type, "%s", v);
        r->content_type[strcspn(r->content_type, "; ")] = '\0';
    } else if (strncasecmp(line, "www-authenticate:", 17) == 0) {
        snprintf(r->challenge, sizeof r->challenge, "%s", v);
    } else if (strncasecmp(line, "link:", 5) == 0 && strstr(v, "rel=\"next\"") && v[0] == '<') {
        snprintf(r->next, sizeof r->next, "%.*s", (int)strcspn(v + 1, ">"), v + 1);
    }
    return len;
}

static size_t on_body(char *b, size_t size, size_t n, void *ud)
{
    struct regresp *r = ud;
    size_t len = size * n;
    if (r->fd < 0 || (r->status != 200 && r->status != 206)) {
        size_t max = r->fd < 0 ? r->max : 64 * 1024;
        if (r->body.len + len > max)
            return r->fd < 0 ? 0 : len; /* an error page is only kept in part */
        sb_add(&r->body, b, len);
        return r->body.oom ? 0 : len;
    }
    size_t off = 0;
    if (r->skip > 0) {
        size_t k = r->skip < len ? (size_t)r->skip : len;
        r->skip -= k;
        off = k;
    }
    while (off < len) {
        ssize_t w = write(r->fd, b + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            r->write_failed = true;
            return 0;
        }
        off += (size_t)w;
        r->written += (uint64_t)w;
        if (r->tick)
            r->tick(r->tick_ud, (uint64_t)w);
    }
    return len;
}

/* One request, no authentication retry. */
static int http_get(const char *url, bool verify, const char *accept, const char *auth,
                    struct regresp *r, sk_error *err)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        return sk_err(err, ENOMEM, "curl");
    struct curl_slist *hdrs = NULL;
    if (accept)
        hdrs = curl_slist_append(hdrs, accept);
    if (auth)
        hdrs = curl_slist_append(hdrs, auth);
    char range[64];
    if (r->range_from > 0) {
        snprintf(range, sizeof range, "%llu-", (unsigned long long)r->range_from);
        curl_easy_setopt(h, CURLOPT_RANGE, range);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (!verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "skiff/" SKIFF_VERSION);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    if (rc == CURLE_OK)
        return 0;
    if (r->write_failed)
        return sk_err(err, EPIPE, "the download was abandoned");
    if (rc == CURLE_WRITE_ERROR && r->fd < 0)
        return sk_err(err, 0, "%s: response larger than %zu bytes", url, r->max);
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
        rc == CURLE_OPERATION_TIMEDOUT)
        return sk_err(err, 0, "registry unreachable: %s", why);
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
        return sk_err(err, 0, "%s: the registry's TLS certificate is not trusted: %s (add its CA to "
                              "the system store, or list the registry with --insecure-registry)",
                      url, why);
    if (rc == CURLE_SSL_CONNECT_ERROR)
        return sk_err(err, 0, "%s: TLS handshake failed: %s (a registry that speaks plain HTTP must "
                              "be listed with --insecure-registry)",
                      url, why);
    return sk_err(err, 0, "%s: %s", url, why);
}

/* 'key="value"' from a challenge. */
static bool challenge_param(const char *ch, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "%s=\"", key);
    for (const char *p = ch; (p = strcasestr(p, pat)) != NULL; p++) {
        if (p != ch && p[-1] != ' ' && p[-1] != ',')
            continue;
        p += strlen(pat);
        const char *e = strchr(p, '"');
        if (e == NULL)
            return false;
        snprintf(out, cap, "%.*s", (int)(e - p), p);
        return true;
    }
    return false;
}

static char *url_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *r = e ? strdup(e) : NULL;
    curl_free(e);
    return r;
}

/* A bearer token from the realm of a challenge. */
static int fetch_token(struct regclient *c, const char *challenge, const char *basic, sk_error *err)
{
    char realm[512] = "", service[256] = "", scope[600] = "";
    if (!challenge_param(challenge, "realm", realm, sizeof realm))
        return sk_err(err, 0, "authentication challenge without a realm: \"%s\"", challenge);
    if (strncmp(realm, "https://", 8) != 0 && strncmp(realm, "http://", 7) != 0)
        return sk_err(err, 0, "authentication realm \"%s\" is not an http(s) URL", realm);
    challenge_param(challenge, "service", service, sizeof service);
    if (!challenge_param(challenge, "scope", scope, sizeof scope) && c->repo[0])
        snprintf(scope, sizeof scope, "repository:%s:pull", c->repo);
    _cleanup_free_ char *es = url_escape(service), *esc = url_escape(scope);
    if (es == NULL || esc == NULL)
        return sk_err(err, ENOMEM, "auth");
    _cleanup_free_ char *url =
        sk_strdup_printf("%s%sservice=%s%s%s", realm, strchr(realm, '?') ? "&" : "?", es,
                         scope[0] ? "&scope=" : "", scope[0] ? esc : "");
    _cleanup_free_ char *ah = basic ? sk_strdup_printf("Authorization: Basic %s", basic) : NULL;
    if (url == NULL || (basic && ah == NULL))
        return sk_err(err, ENOMEM, "auth");
    struct regresp r = {.fd = -1, .max = 1 << 20};
    int rc = http_get(url, c->verify, NULL, ah, &r, err);
    if (rc == 0 && r.status == 401)
        rc = sk_err(err, 0, "unauthorized: %s",
                    basic ? "incorrect username or password" : "authentication required");
    else if (rc == 0 && r.status != 200)
        rc = sk_err(err, 0, "unauthorized: the token service at %s answered HTTP %ld", realm, r.status);
    _cleanup_json_ json_t *doc = rc == 0 ? sk_json_parse(r.body.s, r.body.len, "token", err) : NULL;
    sb_free(&r.body);
    if (rc < 0 || doc == NULL)
        return -1;
    const char *t = json_string_value(json_object_get(doc, "token"));
    if (t == NULL)
        t = json_string_value(json_object_get(doc, "access_token"));
    if (t == NULL || !*t || strpbrk(t, "\r\n"))
        return sk_err(err, 0, "the token service at %s sent no usable token", realm);
    free(c->auth_header);
    c->auth_header = sk_strdup_printf("Authorization: Bearer %s", t);
    return c->auth_header ? 0 : sk_err(err, ENOMEM, "auth");
}

/* Answer a 401: a bearer token, or basic credentials. */
static int authenticate(struct regclient *c, const char *challenge, sk_error *err)
{
    _cleanup_free_ char *basic = c->creds ? sk_base64_encode(c->creds, strlen(c->creds)) : NULL;
    if (c->creds != NULL && basic == NULL)
        return sk_err(err, ENOMEM, "auth");
    if (strncasecmp(challenge, "Bearer ", 7) == 0)
        return fetch_token(c, challenge, basic, err);
    if (strncasecmp(challenge, "Basic", 5) != 0)
        return sk_err(err, 0, "unsupported authentication challenge \"%s\"", challenge);
    if (basic == NULL)
        return sk_err(err, 0, "unauthorized: authentication required");
    free(c->auth_header);
    c->auth_header = sk_strdup_printf("Authorization: Basic %s", basic);
    return c->auth_header ? 0 : sk_err(err, ENOMEM, "auth");
}

int regclient_get(struct regclient *c, const char *path, const char *accept, struct regresp *r,
                  sk_error *err)
{
    for (int attempt = 0;; attempt++) {
        pthread_mutex_lock(&c->lock);
        _cleanup_free_ char *auth = c->auth_header ? strdup(c->auth_header) : NULL;
        _cleanup_free_ char *url = sk_strdup_printf("%s%s", c->base, path);
        bool had_auth = c->auth_header != NULL, verify = c->verify, downgrade = c->downgrade;
        pthread_mutex_unlock(&c->lock);
        if ((had_auth && auth == NULL) || url == NULL)
            return sk_err(err, ENOMEM, "registry");
        r->status = 0;
        sb_free(&r->body);
        int rc = http_get(url, verify, accept, auth, r, err);
        if (rc < 0 && downgrade && r->status == 0 && !r->write_failed) {
            pthread_mutex_lock(&c->lock);
            if (c->downgrade && strncmp(c->base, "https://", 8) == 0) /* HTTPS failed: try HTTP */
                memmove(c->base + 4, c->base + 5, strlen(c->base + 5) + 1);
            c->downgrade = false;
            pthread_mutex_unlock(&c->lock);
            attempt--;
            continue;
        }
        if (rc < 0)
            return -1;
        pthread_mutex_lock(&c->lock);
        c->downgrade = false; /* HTTPS works: it stays */
        pthread_mutex_unlock(&c->lock);
        if (r->status != 401 || attempt == 1 || !r->challenge[0])
            return 0;
        char challenge[1024];
        snprintf(challenge, sizeof challenge, "%s", r->challenge);
        pthread_mutex_lock(&c->lock);
        int a = 0;
        /* another thread may have renewed the credentials meanwhile */
        if (auth == NULL ? c->auth_header == NULL : (c->auth_header && !strcmp(auth, c->auth_header)))
            a = authenticate(c, challenge, err);
        pthread_mutex_unlock(&c->lock);
        if (a < 0) {
            r->auth_failed = true;
            return -1;
        }
    }
}

void regresp_message(const struct regresp *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (r->body.s == NULL)
        return;
    _cleanup_json_ json_t *doc = json_loadb(r->body.s, r->body.len, 0, NULL);
    json_t *e = json_array_get(json_object_get(doc, "errors"), 0);
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (msg != NULL)
        snprintf(buf, cap, "%s", msg);
}
