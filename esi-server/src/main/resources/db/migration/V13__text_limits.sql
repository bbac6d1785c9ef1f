-- Names and descriptions have limits, enforced here so that every route and every instance keeps them. The
-- constraint name says the column and the limit ("<column>_max_<n>"); the HTTP layer turns a violation into a
-- 400 that says so. NOT VALID: rows written before the limits existed stay readable; new writes are checked.
alter table project  add constraint name_max_255 check (char_length(name) <= 255) not valid;
alter table project  add constraint description_max_1024 check (char_length(description) <= 1024) not valid;
alter table esi_user add constraint name_max_255 check (char_length(name) <= 255) not valid;
alter table node     add constraint name_max_255 check (char_length(name) <= 255) not valid;
alter table node     add constraint description_max_4096 check (char_length(description) <= 4096) not valid;
alter table offer    add constraint name_max_255 check (char_length(name) <= 255) not valid;
alter table lease    add constraint name_max_255 check (char_length(name) <= 255) not valid;
alter table lease    add constraint purpose_max_255 check (char_length(purpose) <= 255) not valid;
alter table switch   add constraint name_max_255 check (char_length(name) <= 255) not valid;
alter table network  add constraint name_max_255 check (char_length(name) <= 255) not valid;
alter table trunk    add constraint name_max_255 check (char_length(name) <= 255) not valid;
