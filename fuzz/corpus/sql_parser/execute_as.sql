EXECUTE AS USER 'bob' (SELECT * FROM chat.messages); BEGIN; UPDATE t SET a = 1 -- comment
; COMMIT; /* block */ SHOW TABLES IN chat