/* answer.h - a reflector with an address of its own answers for it: ARP and ICMP echo, built in place (no DPDK). */
#ifndef TR_ANSWER_H
#define TR_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Turns an ARP request for own_ip, or an ICMP echo request to it, into its
 * answer in place (from own_mac to the asker); own_ip in network byte order.
 * Returns true when the frame is now the answer to send, false (frame
 * untouched) for anything else.
 */
bool answer_for_self(uint8_t *frame, size_t len, const uint8_t own_mac[6], uint32_t own_ip);
/* An IPv4 frame to own_ip (0: any frame is). */
bool frame_to_ip(const uint8_t *frame, size_t len, uint32_t own_ip);

#endif
