-- Custom SQL migration file, put your code below! --
-- attempts.certified_at was the only column in epoch seconds (as i'mport sends it); every time is epoch ms now.
UPDATE `attempts` SET `certified_at` = `certified_at` * 1000 WHERE `certified_at` < 100000000000;
