/* C micro-kernels. */
int ck_placeholder(void);
