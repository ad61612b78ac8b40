/* dl_net.h - libmnl (netlink) and libnftables, loaded on first use (see
 * util/dl.h): only containers on a network need them, and libnftables alone
 * drags in libnftnl, libxtables and libgmp.  Include instead of the
 * libraries' headers; sk_mnl_load() / sk_nft_load() first. */
#ifndef SKIFF_NETWORK_DL_NET_H
#define SKIFF_NETWORK_DL_NET_H

#include <libmnl/libmnl.h>
#include <nftables/libnftables.h>

#include "util/error.h"

#define SK_MNL_SYMS(X)                                                                             \
    X(mnl_socket_open)                                                                             \
    X(mnl_socket_bind)                                                                             \
    X(mnl_socket_close)                                                                            \
    X(mnl_socket_get_portid)                                                                       \
    X(mnl_socket_sendto)                                                                           \
    X(mnl_socket_recvfrom)                                                                         \
    X(mnl_nlmsg_put_header)                                                                        \
    X(mnl_nlmsg_put_extra_header)                                                                  \
    X(mnl_nlmsg_get_payload)                                                                       \
    X(mnl_attr_put)                                                                                \
    X(mnl_attr_put_u8)                                                                             \
    X(mnl_attr_put_u32)                                                                            \
    X(mnl_attr_put_strz)                                                                           \
    X(mnl_attr_nest_start)                                                                         \
    X(mnl_attr_nest_end)                                                                           \
    X(mnl_attr_parse)                                                                              \
    X(mnl_attr_get_type)                                                                           \
    X(mnl_attr_get_payload)                                                                        \
    X(mnl_attr_get_payload_len)                                                                    \
    X(mnl_attr_get_u32)                                                                            \
    X(mnl_cb_run)

#define SK_NFT_SYMS(X)                                                                             \
    X(nft_ctx_new)                                                                                 \
    X(nft_ctx_free)                                                                                \
    X(nft_ctx_buffer_output)                                                                       \
    X(nft_ctx_buffer_error)                                                                        \
    X(nft_ctx_get_output_buffer)                                                                   \
    X(nft_ctx_get_error_buffer)                                                                    \
    X(nft_ctx_output_set_flags)                                                                    \
    X(nft_run_cmd_from_buffer)

#define SK_DL_DECLARE(f) extern __typeof__(f) *sk_dl_##f;
SK_MNL_SYMS(SK_DL_DECLARE)
SK_NFT_SYMS(SK_DL_DECLARE)
#undef SK_DL_DECLARE

int sk_mnl_load(sk_error *err);
int sk_nft_load(sk_error *err);

#ifndef SK_DL_DEFINE
#define SK_DL_CALL(f) (*sk_dl_##f)
#define mnl_socket_open SK_DL_CALL(mnl_socket_open)
#define mnl_socket_bind SK_DL_CALL(mnl_socket_bind)
#define mnl_socket_close SK_DL_CALL(mnl_socket_close)
#define mnl_socket_get_portid SK_DL_CALL(mnl_socket_get_portid)
#define mnl_socket_sendto SK_DL_CALL(mnl_socket_sendto)
#define mnl_socket_recvfrom SK_DL_CALL(mnl_socket_recvfrom)
#define mnl_nlmsg_put_header SK_DL_CALL(mnl_nlmsg_put_header)
#define mnl_nlmsg_put_extra_header SK_DL_CALL(mnl_nlmsg_put_extra_header)
#define mnl_nlmsg_get_payload SK_DL_CALL(mnl_nlmsg_get_payload)
#define mnl_attr_put SK_DL_CALL(mnl_attr_put)
#define mnl_attr_put_u8 SK_DL_CALL(mnl_attr_put_u8)
#define mnl_attr_put_u32 SK_DL_CALL(mnl_attr_put_u32)
#define mnl_attr_put_strz SK_DL_CALL(mnl_attr_put_strz)
#define mnl_attr_nest_start SK_DL_CALL(mnl_attr_nest_start)
#define mnl_attr_nest_end SK_DL_CALL(mnl_attr_nest_end)
#define mnl_attr_parse SK_DL_CALL(mnl_attr_parse)
#define mnl_attr_get_type SK_DL_CALL(mnl_attr_get_type)
#define mnl_attr_get_payload SK_DL_CALL(mnl_attr_get_payload)
#define mnl_attr_get_payload_len SK_DL_CALL(mnl_attr_get_payload_len)
#define mnl_attr_get_u32 SK_DL_CALL(mnl_attr_get_u32)
#define mnl_cb_run SK_DL_CALL(mnl_cb_run)
#define nft_ctx_new SK_DL_CALL(nft_ctx_new)
#define nft_ctx_free SK_DL_CALL(nft_ctx_free)
#define nft_ctx_buffer_output SK_DL_CALL(nft_ctx_buffer_output)
#define nft_ctx_buffer_error SK_DL_CALL(nft_ctx_buffer_error)
#define nft_ctx_get_output_buffer SK_DL_CALL(nft_ctx_get_output_buffer)
#define nft_ctx_get_error_buffer SK_DL_CALL(nft_ctx_get_error_buffer)
#define nft_ctx_output_set_flags SK_DL_CALL(nft_ctx_output_set_flags)
#define nft_run_cmd_from_buffer SK_DL_CALL(nft_run_cmd_from_buffer)
#endif

#endif
