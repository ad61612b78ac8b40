/* dl_net.c - the pointers behind dl_net.h. */
#define SK_DL_DEFINE
#include "network/dl_net.h"
#include "util/dl.h"

#define SK_DL_POINTER(f) __typeof__(f) *sk_dl_##f;
#define SK_DL_ENTRY(f) {#f, (void **)&sk_dl_##f},
SK_MNL_SYMS(SK_DL_POINTER)
SK_NFT_SYMS(SK_DL_POINTER)

static const struct sk_dl_sym mnl_syms[] = {SK_MNL_SYMS(SK_DL_ENTRY)};
static const struct sk_dl_sym nft_syms[] = {SK_NFT_SYMS(SK_DL_ENTRY)};

static struct sk_dl_lib mnl_lib = {"libmnl.so.0", "netlink", mnl_syms,
                                   sizeof mnl_syms / sizeof mnl_syms[0],
                                   PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}};
static struct sk_dl_lib nft_lib = {"libnftables.so.1", "nftables", nft_syms,
                                   sizeof nft_syms / sizeof nft_syms[0],
                                   PTHREAD_MUTEX_INITIALIZER, 0, {0, ""}};

int sk_mnl_load(sk_error *err)
{
    return sk_dl_load(&mnl_lib, err);
}

int sk_nft_load(sk_error *err)
{
    return sk_dl_load(&nft_lib, err);
}
