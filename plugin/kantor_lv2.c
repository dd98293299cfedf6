/* placeholder until written */ typedef int kt_placeholder_kantor_lv2;
