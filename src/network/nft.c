/* nft.c - nftables transactions (see nft.h). */
#include "network/nft.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "network/dl_net.h"

int nft_apply(const char *script, sk_error *err)
{
    if (sk_nft_load(err) < 0)
        return -1;
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (ctx == NULL)
        return sk_err(err, ENOMEM, "nftables");
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
    int rc = 0;
    if (nft_run_cmd_from_buffer(ctx, script) != 0) {
        const char *msg = nft_ctx_get_error_buffer(ctx);
        const char *nl = msg ? strchr(msg, '\n') : NULL;
        /* a kernel without nf_tables (an iptables-only host) says only this */
        bool unsupported = msg && (strstr(msg, "not supported") || strstr(msg, "Protocol not supported"));
        rc = sk_err(err, 0, "nftables: %.*s%s", nl ? (int)(nl - msg) : 300, msg && *msg ? msg : "failed",
                    unsupported ? " (skiff's networks need the kernel's nf_tables; an iptables-only "
                                  "host can use --network none or host)"
                                : "");
    }
    nft_ctx_free(ctx);
    return rc;
}
