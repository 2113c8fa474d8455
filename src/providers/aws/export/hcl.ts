// The HCL writer every cloud's Terraform export shares, re-exported where the AWS export has always found it.
export * from '../../deploy/hcl.js';
