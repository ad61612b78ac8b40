/* nft.h - one nftables transaction through libnftables (no nft process). */
#ifndef SKIFF_NETWORK_NFT_H
#define SKIFF_NETWORK_NFT_H

#include "util/error.h"

/* Run the commands in script as one atomic transaction: all or nothing.
 * The error is nft's first message line. */
int nft_apply(const char *script, sk_error *err);

#endif
