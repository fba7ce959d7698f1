// Linux system calls that Swift's Glibc module does not export: epoll, eventfd, accept4.
#ifndef CSYSTEM_H
#define CSYSTEM_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

int csystem_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
#endif
