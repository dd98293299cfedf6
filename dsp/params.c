/* placeholder until written */ typedef int kt_placeholder_params;
