/* reference.c - docker's reference grammar and normalization. */
#define _GNU_SOURCE
#include "image/reference.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_DOMAIN "docker.io"

bool image_digest_valid(const char *d)
{
    if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
        return false;
    for (const char *p = d + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

/* name-component := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool valid_component(const char *s, size_t n)
{
    if (n == 0 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    size_t i = 0;
    while (i < n) {
        if (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t sep = i;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i++;
            if (i < n && s[i] == '_')
                i++;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
        if (i == sep || i >= n || !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
            return false;
    }
    return true;
}

static bool valid_domain(const char *s)
{
    /* host[:port], host made of DNS labels (or an IPv6 literal in []) */
    if (*s == '\0')
        return false;
    const char *colon = NULL;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL)
            return false;
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] != '\0' && colon == NULL)
            return false;
    } else {
        colon = strchr(s, ':');
        for (const char *p = s; *p && p != colon; p++)
            if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-'))
                return false;
    }
    if (colon != NULL) {
        if (colon[1] == '\0')
            return false;
        for (const char *p = colon + 1; *p; p++)
            if (!isdigit((unsigned char)*p))
                return false;
    }
    return true;
}

static bool valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
            return false;
    return true;
}

int image_ref_parse(const char *s, struct image_ref *out, sk_error *err)
{
    memset(out, 0, sizeof *out);
    char buf[1024];
    if (s == NULL || *s == '\0')
        return sk_err(err, 0, "invalid reference format: empty");
    if (strlen(s) >= sizeof buf)
        return sk_err(err, 0, "invalid reference format: too long");
    snprintf(buf, sizeof buf, "%s", s);
    char *at = strchr(buf, '@');
    if (at != NULL) {
        *at = '\0';
        if (!image_digest_valid(at + 1))
            return sk_err(err, 0, "invalid reference format: \"%s\" is not a sha256 digest", at + 1);
        snprintf(out->digest, sizeof out->digest, "%s", at + 1);
    }
    /* the tag is after the last colon that follows the last slash */
    char *slash = strrchr(buf, '/');
    char *colon = strrchr(slash ? slash : buf, ':');
    if (colon != NULL) {
        *colon = '\0';
        if (!valid_tag(colon + 1))
            return sk_err(err, 0, "invalid reference format: \"%s\" is not a valid tag", colon + 1);
        snprintf(out->tag, sizeof out->tag, "%s", colon + 1);
    }
    char *name = buf;
    char *first = strchr(name, '/');
    const char *remainder = name;
    if (first != NULL) {
        *first = '\0';
        /* the first component is a registry if it looks like a host */
        bool upper = false;
        for (const char *q = name; *q; q++)
            upper |= isupper((unsigned char)*q) != 0;
        if (strchr(name, '.') || strchr(name, ':') || strcmp(name, "localhost") == 0 ||
            name[0] == '[' || upper) {
            if (!valid_domain(name))
                return sk_err(err, 0, "invalid reference format: \"%s\" is not a registry host", name);
            snprintf(out->domain, sizeof out->domain, "%s", name);
            remainder = first + 1;
        } else {
            *first = '/';
        }
    }
    if (out->domain[0] == '\0')
        snprintf(out->domain, sizeof out->domain, DEFAULT_DOMAIN);
    if (strcmp(out->domain, "index.docker.io") == 0)
        snprintf(out->domain, sizeof out->domain, DEFAULT_DOMAIN);
    /* path components */
    const char *p = remainder;
    if (*p == '\0')
        return sk_err(err, 0, "invalid reference format: \"%s\" has no repository name", s);
    while (*p) {
        const char *e = strchrnul(p, '/');
        if (!valid_component(p, (size_t)(e - p))) {
            for (const char *q = p; q < e; q++)
                if (isupper((unsigned char)*q))
                    return sk_err(err, 0, "invalid reference format: repository name \"%s\" must be "
                                          "lowercase", s);
            return sk_err(err, 0, "invalid reference format: \"%.*s\" in \"%s\"", (int)(e - p), p, s);
        }
        p = *e ? e + 1 : e;
        if (*e == '/' && *p == '\0')
            return sk_err(err, 0, "invalid reference format: \"%s\" ends with /", s);
    }
    if (strcmp(out->domain, DEFAULT_DOMAIN) == 0 && strchr(remainder, '/') == NULL)
        snprintf(out->path, sizeof out->path, "library/%s", remainder);
    else
        snprintf(out->path, sizeof out->path, "%s", remainder);
    if (strlen(out->domain) + strlen(out->path) + 1 > 255)
        return sk_err(err, 0, "invalid reference format: repository name must not be longer than 255 "
                              "characters");
    if (out->tag[0] == '\0' && out->digest[0] == '\0')
        snprintf(out->tag, sizeof out->tag, "latest");
    return 0;
}

void image_ref_repo(const struct image_ref *r, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", r->domain, r->path);
}

void image_ref_string(const struct image_ref *r, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s%s%s%s%s", r->domain, r->path, r->tag[0] ? ":" : "", r->tag,
             r->digest[0] ? "@" : "", r->digest);
}

void image_repo_familiar(const char *repo, char *buf, size_t cap)
{
    const char *p = repo;
    if (strncmp(p, DEFAULT_DOMAIN "/", sizeof DEFAULT_DOMAIN) == 0) {
        p += sizeof DEFAULT_DOMAIN;
        if (strncmp(p, "library/", 8) == 0 && strchr(p + 8, '/') == NULL)
            p += 8;
    }
    snprintf(buf, cap, "%s", p);
}

void image_ref_familiar(const struct image_ref *r, char *buf, size_t cap)
{
    char repo[800], fam[800];
    image_ref_repo(r, repo, sizeof repo);
    image_repo_familiar(repo, fam, sizeof fam);
    snprintf(buf, cap, "%s%s%s%s%s", fam, r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "",
             r->digest);
}

const char *image_ref_registry_host(const struct image_ref *r)
{
    return strcmp(r->domain, DEFAULT_DOMAIN) == 0 ? "registry-1.docker.io" : r->domain;
}

bool image_ref_has_tag(const char *s)
{
    const char *last = strrchr(s, '/');
    return strchr(last ? last : s, ':') != NULL || strchr(s, '@') != NULL;
}
