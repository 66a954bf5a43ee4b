/* The default policy, embedded at build time (policies/default.yaml). */
	.section .rodata
	.global rtg_default_policy
	.global rtg_default_policy_end
	.balign 8
rtg_default_policy:
	.incbin "policies/default.yaml"
rtg_default_policy_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
