;; The record splitter's innermost loops (src/reader/record-splitter.ts), in WebAssembly: a
;; JavaScript byte loop costs 3-4 ns a byte on this project's machines and Buffer.indexOf about
;; 30 ns a call, which was most of a big file's read time. Here strings are skipped 16 bytes at a
;; time with SIMD, a call from JavaScript costs a few nanoseconds, and records a prefilter rules
;; out can be passed over without returning to JavaScript at all (recordLevel).
;;
;; It also checks, for records handed on unparsed, that a record's text is JSON (checkRecord).
;;
;; Memory: bytes 0-255 are a table of byte classes outside strings; 256-459 the answers of the
;; calls below besides their results (reading them from memory is cheaper for the caller than
;; reading exported globals); 460-499 the time window; 512-623 checkRecord's notes; 1024-21503
;; the verdict memo's table and 21504-65535 the bytes of the values it remembers; and the chunk
;; being scanned is copied to 65536 by the caller, with at least 16 bytes of memory after it (a
;; key's bytes are looked at before its length is). Positions in and out are chunk-relative.
;; Compiled to bytes by build/wasm.mjs.
(module
  (memory (export "memory") 1)

  ;; Byte classes outside strings: 0 stray (not JSON here), 1 part of a number, true, false or
  ;; null, 2 '"', 3 '{' or '[', 4 '}' or ']', 5 newline, 9 space, ':' or ','. Every class but 0 is
  ;; FREE_BYTE in record-splitter.ts; 1 is what its endOfBareValue reads on through.
  (data (i32.const 0)
    "\00\00\00\00\00\00\00\00\00\09\05\00\00\09\00\00"  ;; 0x00-0x0f: tab, newline, return
    "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"  ;; 0x10-0x1f
    "\09\00\02\00\00\00\00\00\00\00\00\01\09\01\01\00"  ;; 0x20-0x2f: space " + , - .
    "\01\01\01\01\01\01\01\01\01\01\09\00\00\00\00\00"  ;; 0x30-0x3f: digits :
    "\00\00\00\00\00\01\00\00\00\00\00\00\00\00\00\00"  ;; 0x40-0x4f: E
    "\00\00\00\00\00\00\00\00\00\00\00\03\00\04\00\00"  ;; 0x50-0x5f: [ ]
    "\00\01\00\00\00\01\01\00\00\00\00\00\01\00\01\00"  ;; 0x60-0x6f: a e f l n
    "\00\00\01\01\01\01\00\00\00\00\00\03\00\04\00\00"  ;; 0x70-0x7f: r s t u { }
  )

  ;; The next unescaped '"' at or after absolute address $p (not inside an escape), below $n:
  ;; its address; $n when there is none; $n + 1 when the bytes end on an unpaired backslash.
  (func $quote (param $p i32) (param $n i32) (result i32)
    (local $m i32) (local $v v128)
    (block $tail
      (loop $blocks
        (br_if $tail (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $n)))
        (local.set $v (v128.load align=1 (local.get $p)))
        (local.set $m (i8x16.bitmask (v128.or
          (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22)))
          (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))))
        (if (i32.eqz (local.get $m))
          (then (local.set $p (i32.add (local.get $p) (i32.const 16))) (br $blocks)))
        (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $m))))
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x22)) (then (return (local.get $p))))
        ;; A backslash: the byte after it is escaped, whatever it is.
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br $blocks)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x22)) (then (return (local.get $p))))
        (local.set $p (i32.add (local.get $p)
          (select (i32.const 2) (i32.const 1) (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x5c)))))
        (br $bytes)))
    (select (i32.add (local.get $n) (i32.const 1)) (local.get $n) (i32.gt_u (local.get $p) (local.get $n))))

  ;; findClosingQuote: chunk-relative.
  (func (export "closingQuote") (param $from i32) (param $n i32) (result i32)
    (i32.sub (call $quote (i32.add (local.get $from) (i32.const 65536)) (i32.add (local.get $n) (i32.const 65536)))
      (i32.const 65536)))

;; skipNested: from $from, inside containers $d deep, on to the bracket that brings the depth
  ;; back to $stop. Returns a position, and at 256 (status) what stopped there:
  ;;   0 that bracket closed (the position is just after it);
  ;;   1 the chunk ended outside a string (the position is $n);
  ;;   2 the chunk ended inside a string whose content began at 268 (the position is as $quote's);
  ;;   3 a stray byte, when $stray is not 0 (the position is the byte's);
  ;;   4 when $stray is not 0, a '{' that may open a record (`{"eventVersion"`, blanks allowed
  ;;     after the '{'): a record cut short inside a nested value, the next one right after it?
  ;;     The caller looks (the position is the '{', the depth the one before it).
  ;; At 260, the depth reached; at 264, the newlines passed outside strings.
  (func (export "skipNested") (param $from i32) (param $n i32) (param $d i32) (param $stop i32)
      (param $stray i32) (result i32)
    (i32.sub
      (call $nested (i32.add (local.get $from) (i32.const 65536)) (i32.add (local.get $n) (i32.const 65536))
        (local.get $d) (local.get $stop) (local.get $stray))
      (i32.const 65536)))

  ;; skipNested on absolute addresses.
  (func $nested (param $p i32) (param $end i32) (param $d i32) (param $stop i32) (param $stray i32)
      (result i32)
    (local $c i32) (local $q i32) (local $lines i32)
    (block $out
      (loop $next
        (if (i32.ge_u (local.get $p) (local.get $end))
          (then (i32.store (i32.const 256) (i32.const 1)) (br $out)))
        (local.set $c (i32.load8_u (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $next (i32.eq (i32.or (local.get $c) (i32.const 8)) (i32.const 9)))
        (if (i32.eq (local.get $c) (i32.const 2))
          (then
            (local.set $q (call $quote (local.get $p) (local.get $end)))
            (if (i32.ge_u (local.get $q) (local.get $end))
              (then
                (i32.store (i32.const 268) (i32.sub (local.get $p) (i32.const 65536)))
                (local.set $p (local.get $q))
                (i32.store (i32.const 256) (i32.const 2))
                (br $out)))
            (local.set $p (i32.add (local.get $q) (i32.const 1)))
            (br $next)))
        (if (i32.eq (local.get $c) (i32.const 3))
          (then
            (if (i32.and (i32.ne (local.get $stray) (i32.const 0))
                  (call $opensRecord (i32.sub (local.get $p) (i32.const 1)) (local.get $end)))
              (then
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (i32.store (i32.const 256) (i32.const 4))
                (br $out)))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $next)))
        (if (i32.eq (local.get $c) (i32.const 4))
          (then
            (local.set $d (i32.sub (local.get $d) (i32.const 1)))
            (br_if $next (i32.ne (local.get $d) (local.get $stop)))
            (i32.store (i32.const 256) (i32.const 0))
            (br $out)))
        (if (i32.eq (local.get $c) (i32.const 5))
          (then (local.set $lines (i32.add (local.get $lines) (i32.const 1))) (br $next)))
        (br_if $next (i32.eqz (local.get $stray)))
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store (i32.const 256) (i32.const 3))
        (br $out)))
    (i32.store (i32.const 260) (local.get $d))
    (i32.store (i32.const 264) (local.get $lines))
    (local.get $p))

  ;; Whether the bracket at $p is a '{' followed (blanks aside) by the key "eventVersion", which
  ;; CloudTrail records start with: skipNested's status 4. Bytes past $end may be looked at (there
  ;; are 16 after the chunk); the caller checks the chunk's bytes before it acts.
  (func $opensRecord (param $p i32) (param $end i32) (result i32)
    (local $b i32)
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x7b)) (then (return (i32.const 0))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (block $key
      (loop $blank
        (br_if $key (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (br_if $key (i32.eqz (i32.or (i32.or (i32.eq (local.get $b) (i32.const 0x20)) (i32.eq (local.get $b) (i32.const 0x0a)))
          (i32.or (i32.eq (local.get $b) (i32.const 0x0d)) (i32.eq (local.get $b) (i32.const 0x09))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $blank)))
    ;; `"eventVe`, `rsio`, `n"` as little-endian words.
    (i32.and
      (i64.eq (i64.load align=1 (local.get $p)) (i64.const 0x6556746e65766522))
      (i32.and
        (i32.eq (i32.load align=1 (i32.add (local.get $p) (i32.const 8))) (i32.const 0x6f697372))
        (i32.eq (i32.load16_u align=1 (i32.add (local.get $p) (i32.const 12))) (i32.const 0x226e)))))

  ;; The verdict memo: the splitter's verdicts on eventName and eventSource values (VerdictMemo in
  ;; record-splitter.ts), remembered here too so that a record they rule out can be passed over
  ;; without a word to the caller. 1024 entries of five i32 (hash, field 1-3 or 0 when free, length,
  ;; where its bytes are, verdict 0 or 1), found by the value's hash from a start the field moves,
  ;; looked for in 8 places at most; their bytes from 21504 on. A full memo remembers no more.
  (global $memoTop (mut i32) (i32.const 21504))

  (func $memoEntry (param $field i32) (param $hash i32) (param $k i32) (result i32)
    (i32.add (i32.const 1024) (i32.mul (i32.const 20)
      (i32.and (i32.add (i32.add (local.get $hash) (i32.mul (local.get $field) (i32.const 0x9e3779b9))) (local.get $k))
        (i32.const 1023)))))

  (func $sameBytes (param $a i32) (param $b i32) (param $len i32) (result i32)
    (local $k i32)
    (block $differ
      (loop $bytes
        (br_if $differ (i32.ge_u (local.get $k) (local.get $len)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $k))) (i32.load8_u (i32.add (local.get $b) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $bytes)))
    (i32.const 1))

  ;; The verdict remembered for bytes [$p, $end) (absolute) of $field, whose hash is $hash: 0 or
  ;; 1, or -1 when none is.
  (func $lookup (param $field i32) (param $p i32) (param $end i32) (param $hash i32) (result i32)
    (local $k i32) (local $e i32) (local $len i32)
    (local.set $len (i32.sub (local.get $end) (local.get $p)))
    (block $none
      (loop $probe
        (br_if $none (i32.ge_u (local.get $k) (i32.const 8)))
        (local.set $e (call $memoEntry (local.get $field) (local.get $hash) (local.get $k)))
        (br_if $none (i32.eqz (i32.load offset=4 (local.get $e))))
        (if (i32.and
              (i32.and (i32.eq (i32.load offset=4 (local.get $e)) (local.get $field))
                       (i32.eq (i32.load (local.get $e)) (local.get $hash)))
              (i32.eq (i32.load offset=8 (local.get $e)) (local.get $len)))
          (then
            (if (call $sameBytes (i32.load offset=12 (local.get $e)) (local.get $p) (local.get $len))
              (then (return (i32.load offset=16 (local.get $e)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $probe)))
    (i32.const -1))

  ;; Remembers $verdict for the chunk's bytes [$from, $to) of $field, whose hash is $hash.
  (func (export "remember") (param $field i32) (param $from i32) (param $to i32) (param $hash i32) (param $verdict i32)
    (local $k i32) (local $e i32) (local $len i32) (local $p i32)
    (local.set $p (i32.add (local.get $from) (i32.const 65536)))
    (local.set $len (i32.sub (local.get $to) (local.get $from)))
    (if (i32.ge_s (call $lookup (local.get $field) (local.get $p) (i32.add (local.get $p) (local.get $len)) (local.get $hash)) (i32.const 0))
      (then (return)))
    (if (i32.gt_u (i32.add (global.get $memoTop) (local.get $len)) (i32.const 65536)) (then (return)))
    (block $placed
      (loop $probe
        (if (i32.ge_u (local.get $k) (i32.const 8)) (then (return)))
        (local.set $e (call $memoEntry (local.get $field) (local.get $hash) (local.get $k)))
        (br_if $placed (i32.eqz (i32.load offset=4 (local.get $e))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $probe)))
    (memory.copy (global.get $memoTop) (local.get $p) (local.get $len))
    (i32.store (local.get $e) (local.get $hash))
    (i32.store offset=4 (local.get $e) (local.get $field))
    (i32.store offset=8 (local.get $e) (local.get $len))
    (i32.store offset=12 (local.get $e) (global.get $memoTop))
    (i32.store offset=16 (local.get $e) (local.get $verdict))
    (global.set $memoTop (i32.add (global.get $memoTop) (local.get $len))))

  ;; Forgets every verdict (the memo now serves another filter).
  (func (export "clearMemo")
    (memory.fill (i32.const 1024) (i32.const 0) (i32.const 20480))
    (global.set $memoTop (i32.const 21504)))

  ;; Times. A time written as delivery files write it (2024-03-01T10:00:00Z, every part in its
  ;; range: canonicalTime in src/cloudtrail/event-time.ts) orders as its text does, so the time
  ;; window is two such texts, set by the caller: at 460 the first second in it, at 480 the first
  ;; after it (whole seconds: a time of whole seconds is in the window exactly when its text is).

  ;; The two digits at $p as a number, or -1.
  (func $two (param $p i32) (result i32)
    (local $a i32) (local $b i32)
    (local.set $a (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
    (local.set $b (i32.sub (i32.load8_u offset=1 (local.get $p)) (i32.const 48)))
    (if (i32.or (i32.gt_u (local.get $a) (i32.const 9)) (i32.gt_u (local.get $b) (i32.const 9)))
      (then (return (i32.const -1))))
    (i32.add (i32.mul (local.get $a) (i32.const 10)) (local.get $b)))

  ;; 1 when the 20 bytes at $p are a time as delivery files write it, else 0.
  (func $isCanonicalTime (param $p i32) (result i32)
    (local $year i32) (local $hi i32) (local $lo i32) (local $month i32) (local $day i32) (local $days i32)
    (if (i32.or
          (i32.or (i32.ne (i32.load8_u offset=4 (local.get $p)) (i32.const 0x2d)) (i32.ne (i32.load8_u offset=7 (local.get $p)) (i32.const 0x2d)))
          (i32.or
            (i32.or (i32.ne (i32.load8_u offset=10 (local.get $p)) (i32.const 0x54)) (i32.ne (i32.load8_u offset=13 (local.get $p)) (i32.const 0x3a)))
            (i32.or (i32.ne (i32.load8_u offset=16 (local.get $p)) (i32.const 0x3a)) (i32.ne (i32.load8_u offset=19 (local.get $p)) (i32.const 0x5a)))))
      (then (return (i32.const 0))))
    (local.set $hi (call $two (local.get $p)))
    (local.set $lo (call $two (i32.add (local.get $p) (i32.const 2))))
    (if (i32.or (i32.lt_s (local.get $hi) (i32.const 0)) (i32.lt_s (local.get $lo) (i32.const 0))) (then (return (i32.const 0))))
    (local.set $year (i32.add (i32.mul (local.get $hi) (i32.const 100)) (local.get $lo)))
    (local.set $month (call $two (i32.add (local.get $p) (i32.const 5))))
    (local.set $day (call $two (i32.add (local.get $p) (i32.const 8))))
    (if (i32.or (i32.lt_s (local.get $year) (i32.const 100))
          (i32.or (i32.or (i32.lt_s (local.get $month) (i32.const 1)) (i32.gt_s (local.get $month) (i32.const 12)))
                  (i32.lt_s (local.get $day) (i32.const 1))))
      (then (return (i32.const 0))))
    (if (i32.gt_u (call $two (i32.add (local.get $p) (i32.const 11))) (i32.const 23)) (then (return (i32.const 0))))
    (if (i32.gt_u (call $two (i32.add (local.get $p) (i32.const 14))) (i32.const 59)) (then (return (i32.const 0))))
    (if (i32.gt_u (call $two (i32.add (local.get $p) (i32.const 17))) (i32.const 59)) (then (return (i32.const 0))))
    ;; Days in the month: 31, but 30 in April, June, September, November, and February's 28 or 29.
    (local.set $days (i32.const 31))
    (if (i32.or (i32.or (i32.eq (local.get $month) (i32.const 4)) (i32.eq (local.get $month) (i32.const 6)))
                (i32.or (i32.eq (local.get $month) (i32.const 9)) (i32.eq (local.get $month) (i32.const 11))))
      (then (local.set $days (i32.const 30))))
    (if (i32.eq (local.get $month) (i32.const 2))
      (then
        (local.set $days (i32.const 28))
        (if (i32.and (i32.eqz (i32.rem_u (local.get $year) (i32.const 4)))
                     (i32.or (i32.ne (i32.rem_u (local.get $year) (i32.const 100)) (i32.const 0))
                             (i32.eqz (i32.rem_u (local.get $year) (i32.const 400)))))
          (then (local.set $days (i32.const 29))))))
    (i32.le_s (local.get $day) (local.get $days)))

  ;; The 20 bytes at $a against those at $b: negative, 0 or positive, as their texts order.
  (func $compare20 (param $a i32) (param $b i32) (result i32)
    (local $k i32) (local $d i32)
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $k) (i32.const 20)))
        (local.set $d (i32.sub (i32.load8_u (i32.add (local.get $a) (local.get $k))) (i32.load8_u (i32.add (local.get $b) (local.get $k)))))
        (if (local.get $d) (then (return (local.get $d))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $bytes)))
    (i32.const 0))

  ;; Notes the time at $p of a record passed over, for the caller to tell the filter's window: at
  ;; 400 the earliest, at 420 the latest, at 440 one in the window; at 364, bit 1 when the first
  ;; two are set, bit 2 when the third is.
  (func $notePassedTime (param $p i32) (param $inside i32)
    (local $flags i32)
    (local.set $flags (i32.load (i32.const 364)))
    (if (i32.or (i32.eqz (i32.and (local.get $flags) (i32.const 1))) (i32.lt_s (call $compare20 (local.get $p) (i32.const 400)) (i32.const 0)))
      (then (memory.copy (i32.const 400) (local.get $p) (i32.const 20))))
    (if (i32.or (i32.eqz (i32.and (local.get $flags) (i32.const 1))) (i32.gt_s (call $compare20 (local.get $p) (i32.const 420)) (i32.const 0)))
      (then (memory.copy (i32.const 420) (local.get $p) (i32.const 20))))
    (local.set $flags (i32.or (local.get $flags) (i32.const 1)))
    (if (i32.and (local.get $inside) (i32.eqz (i32.and (local.get $flags) (i32.const 2))))
      (then
        (memory.copy (i32.const 440) (local.get $p) (i32.const 20))
        (local.set $flags (i32.or (local.get $flags) (i32.const 2)))))
    (i32.store (i32.const 364) (local.get $flags)))

  ;; scanRecordLevel's loop, for as long as nothing in a record's top level needs the caller: from
  ;; $from (where a key follows when $keyExpected is 1) on to the first byte the caller must see,
  ;; which is returned: the quote of a key that may be a judged hot field (as scanRecordLevel tells
  ;; them: $judged has their bits, 2 eventName, 4 eventSource, 8 eventTime) and whose value is not
  ;; taken here, of a string the chunk cuts, or of a container that does not close cleanly in the
  ;; chunk; a '}' or ']'; a byte out of place; or $n. At 264, the newlines passed; at 272, whether
  ;; a key follows; at 280, how many hot values were taken (slots of five i32 from 288); at 284,
  ;; $seen (the hot keys met in this record) with theirs added. The record's own depth is $d;
  ;; $stray is skipNested's.
  ;;
  ;; With $mayRuleOut, a record the memo's verdicts rule out (or that was already, $ruledOut) is
  ;; passed over at its '}' when a ',' and the next record's '{' follow in the chunk: scanning goes
  ;; on in that record as a new one (no key seen, none taken). At 348, how many records were passed
  ;; over so; at 352, where the last one passed over to began (its '{'); at 356, the newlines before
  ;; that '{'. A taken value's flags have 4 when the memo knew its verdict. A judged eventTime
  ;; written as delivery files write it is judged here against the window at 460-499 (outside it
  ;; rules the record out), and the times of records passed over are noted (see notePassedTime);
  ;; one written otherwise keeps its record from being passed over.
  (func (export "recordLevel") (param $from i32) (param $n i32) (param $keyExpected i32)
      (param $judged i32) (param $seen i32) (param $d i32) (param $stray i32) (param $mayRuleOut i32)
      (param $ruledOut i32) (result i32)
    (local $p i32) (local $end i32) (local $b i32) (local $c i32) (local $q i32) (local $len i32)
    (local $hot i32) (local $k i32) (local $lines i32) (local $r i32) (local $v i32) (local $h i32)
    (local $taken i32) (local $verdict i32) (local $ahead i32) (local $passed i32) (local $start i32)
    (local $linesBefore i32) (local $timeState i32) (local $timeAt i32) (local $timeInside i32)
    (i32.store (i32.const 364) (i32.const 0))
    (local.set $p (i32.add (local.get $from) (i32.const 65536)))
    (local.set $end (i32.add (local.get $n) (i32.const 65536)))
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (local.set $c (i32.load8_u (local.get $b)))
        (if (i32.eq (local.get $c) (i32.const 9))
          (then
            (if (i32.eq (local.get $b) (i32.const 0x2c)) (then (local.set $keyExpected (i32.const 1))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $next)))
        (if (i32.eq (local.get $c) (i32.const 2))
          (then
            (local.set $q (call $quote (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
            (br_if $out (i32.ge_u (local.get $q) (local.get $end)))
            (if (local.get $keyExpected)
              (then
                (local.set $len (i32.sub (i32.sub (local.get $q) (local.get $p)) (i32.const 1)))
                (local.set $hot (i32.const 0))
                (if (i32.eq (i32.load8_u offset=1 (local.get $p)) (i32.const 0x65))
                  (then
                    (if (i32.eq (local.get $len) (i32.const 9))
                      (then
                        (local.set $k (i32.load8_u offset=6 (local.get $p)))
                        (if (i32.eq (local.get $k) (i32.const 0x4e)) (then (local.set $hot (i32.const 2))))
                        (if (i32.and (i32.eq (local.get $k) (i32.const 0x54))
                                     (i32.eq (i32.load8_u offset=7 (local.get $p)) (i32.const 0x69)))
                          (then (local.set $hot (i32.const 8))))))
                    (if (i32.and (i32.eq (local.get $len) (i32.const 11))
                                 (i32.eq (i32.load8_u offset=6 (local.get $p)) (i32.const 0x53)))
                      (then (local.set $hot (i32.const 4))))))
                (if (i32.and (local.get $judged) (local.get $hot))
                  (then
                    ;; A judged hot key: its value is taken here when nothing about it needs the
                    ;; caller (the key met before in this record, spelled otherwise, or a value that
                    ;; is not a plain string wholly in the chunk: the caller sees the key then).
                    (br_if $out (i32.and (local.get $seen) (local.get $hot)))
                    (br_if $out (i32.eqz (call $isHotKey (local.get $p) (local.get $hot))))
                    (local.set $v (i32.add (local.get $q) (i32.const 1)))
                    (block $separator
                      (loop $skip
                        (br_if $out (i32.ge_u (local.get $v) (local.get $end)))
                        (local.set $k (i32.load8_u (local.get $v)))
                        (br_if $separator (i32.eqz (i32.or
                          (i32.or (i32.eq (local.get $k) (i32.const 0x3a)) (i32.eq (local.get $k) (i32.const 0x20)))
                          (i32.or (i32.eq (local.get $k) (i32.const 0x09)) (i32.eq (local.get $k) (i32.const 0x0d))))))
                        (local.set $v (i32.add (local.get $v) (i32.const 1)))
                        (br $skip)))
                    (br_if $out (i32.ne (local.get $k) (i32.const 0x22)))
                    (local.set $v (i32.add (local.get $v) (i32.const 1)))
                    (local.set $q (call $quote (local.get $v) (local.get $end)))
                    (br_if $out (i32.ge_u (local.get $q) (local.get $end)))
                    (local.set $h (call $hash (local.get $v) (local.get $q)))
                    (br_if $out (i32.and (i32.load (i32.const 276)) (i32.const 1)))
                    (local.set $verdict (call $lookup (i32.ctz (local.get $hot)) (local.get $v) (local.get $q) (local.get $h)))
                    (if (i32.eqz (local.get $verdict)) (then (local.set $ruledOut (i32.const 1))))
                    (if (i32.eq (local.get $hot) (i32.const 8))
                      (then
                        ;; A time: judged here when written as delivery files write it; any other
                        ;; keeps the record in the caller's hands ($timeState 2).
                        (local.set $timeState (i32.const 2))
                        (if (i32.eq (i32.sub (local.get $q) (local.get $v)) (i32.const 20))
                          (then
                            (if (call $isCanonicalTime (local.get $v))
                              (then
                                (local.set $timeState (i32.const 1))
                                (local.set $timeAt (local.get $v))
                                (local.set $timeInside (i32.and
                                  (i32.ge_s (call $compare20 (local.get $v) (i32.const 460)) (i32.const 0))
                                  (i32.lt_s (call $compare20 (local.get $v) (i32.const 480)) (i32.const 0))))
                                (if (i32.eqz (local.get $timeInside)) (then (local.set $ruledOut (i32.const 1))))))))))
                    (if (i32.ge_s (local.get $verdict) (i32.const 0))
                      (then (i32.store (i32.const 276) (i32.or (i32.load (i32.const 276)) (i32.const 4)))))
                    ;; Slot $taken: the hot field (1 name, 2 source, 3 time), the value's
                    ;; chunk-relative [from, to), its hash, its flags.
                    (local.set $k (i32.add (i32.const 288) (i32.mul (local.get $taken) (i32.const 20))))
                    (i32.store (local.get $k) (i32.ctz (local.get $hot)))
                    (i32.store offset=4 (local.get $k) (i32.sub (local.get $v) (i32.const 65536)))
                    (i32.store offset=8 (local.get $k) (i32.sub (local.get $q) (i32.const 65536)))
                    (i32.store offset=12 (local.get $k) (local.get $h))
                    (i32.store offset=16 (local.get $k) (i32.load (i32.const 276)))
                    (local.set $taken (i32.add (local.get $taken) (i32.const 1)))
                    (local.set $seen (i32.or (local.get $seen) (local.get $hot)))
                    (local.set $keyExpected (i32.const 0))
                    (local.set $p (i32.add (local.get $q) (i32.const 1)))
                    (br $next)))
                (if (i32.and (i32.ne (local.get $judged) (i32.const 0)) (i32.ge_u (local.get $len) (i32.const 14)))
                  (then
                    ;; A key written with \u escapes may spell a hot one.
                    (local.set $k (i32.add (local.get $p) (i32.const 1)))
                    (block $plain
                      (loop $bytes
                        (br_if $plain (i32.ge_u (local.get $k) (local.get $q)))
                        (br_if $out (i32.eq (i32.load8_u (local.get $k)) (i32.const 0x5c)))
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (br $bytes)))))
                (local.set $keyExpected (i32.const 0))))
            (local.set $p (i32.add (local.get $q) (i32.const 1)))
            (br $next)))
        (if (i32.eq (local.get $c) (i32.const 3))
          (then
            (br_if $out (local.get $keyExpected))
            (local.set $r (call $nested (i32.add (local.get $p) (i32.const 1)) (local.get $end)
              (i32.add (local.get $d) (i32.const 1)) (local.get $d) (local.get $stray)))
            (br_if $out (i32.load (i32.const 256)))
            (local.set $lines (i32.add (local.get $lines) (i32.load (i32.const 264))))
            (local.set $p (local.get $r))
            (br $next)))
        (if (i32.eq (local.get $c) (i32.const 5))
          (then
            (local.set $lines (i32.add (local.get $lines) (i32.const 1)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $next)))
        (if (i32.eq (local.get $b) (i32.const 0x7d))
          (then
            (br_if $out (i32.eqz (i32.and (local.get $mayRuleOut) (local.get $ruledOut))))
            (br_if $out (i32.eq (local.get $timeState) (i32.const 2)))
            ;; The record ends here, ruled out: on to the next one if ',' and '{' follow.
            (local.set $v (i32.add (local.get $p) (i32.const 1)))
            (local.set $ahead (local.get $lines))
            (local.set $r (i32.const 0x2c))
            (block $found
              (loop $space
                (br_if $out (i32.ge_u (local.get $v) (local.get $end)))
                (local.set $k (i32.load8_u (local.get $v)))
                (if (i32.eq (local.get $k) (i32.const 0x0a)) (then (local.set $ahead (i32.add (local.get $ahead) (i32.const 1)))))
                (if (i32.or (i32.or (i32.eq (local.get $k) (i32.const 0x20)) (i32.eq (local.get $k) (i32.const 0x0a)))
                            (i32.or (i32.eq (local.get $k) (i32.const 0x09)) (i32.eq (local.get $k) (i32.const 0x0d))))
                  (then (local.set $v (i32.add (local.get $v) (i32.const 1))) (br $space)))
                (br_if $out (i32.ne (local.get $k) (local.get $r)))
                (br_if $found (i32.eq (local.get $r) (i32.const 0x7b)))
                (local.set $r (i32.const 0x7b))
                (local.set $v (i32.add (local.get $v) (i32.const 1)))
                (br $space)))
            (if (i32.eq (local.get $timeState) (i32.const 1))
              (then (call $notePassedTime (local.get $timeAt) (local.get $timeInside))))
            (local.set $timeState (i32.const 0))
            (local.set $passed (i32.add (local.get $passed) (i32.const 1)))
            (local.set $lines (local.get $ahead))
            (local.set $linesBefore (local.get $ahead))
            (local.set $start (local.get $v))
            (local.set $seen (i32.const 0))
            (local.set $keyExpected (i32.const 1))
            (local.set $taken (i32.const 0))
            (local.set $ruledOut (i32.const 0))
            (local.set $p (i32.add (local.get $v) (i32.const 1)))
            (br $next)))
        (br_if $out (i32.ne (local.get $c) (i32.const 1)))
        (br_if $out (local.get $keyExpected))
        (block $valueEnd
          (loop $bare
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $valueEnd (i32.ge_u (local.get $p) (local.get $end)))
            (br_if $bare (i32.eq (i32.load8_u (i32.load8_u (local.get $p))) (i32.const 1)))))
        (br $next)))
    (i32.store (i32.const 264) (local.get $lines))
    (i32.store (i32.const 272) (local.get $keyExpected))
    (i32.store (i32.const 280) (local.get $taken))
    (i32.store (i32.const 284) (local.get $seen))
    (i32.store (i32.const 348) (local.get $passed))
    (i32.store (i32.const 352) (i32.sub (local.get $start) (i32.const 65536)))
    (i32.store (i32.const 356) (local.get $linesBefore))
    (select (local.get $n) (i32.sub (local.get $p) (i32.const 65536)) (i32.ge_u (local.get $p) (local.get $end))))
;; hotValue's loop: the hash of bytes [$from, $to) (hash * 31 + byte, as an i32), and at 276, 1
  ;; when they hold a backslash (the hash is then not taken to the end) and 2 when a byte is not ASCII.
  (func (export "valueHash") (param $from i32) (param $to i32) (result i32)
    (call $hash (i32.add (local.get $from) (i32.const 65536)) (i32.add (local.get $to) (i32.const 65536))))

  ;; valueHash on absolute addresses.
  (func $hash (param $p i32) (param $end i32) (result i32)
    (local $b i32) (local $h i32) (local $flags i32)
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (if (i32.eq (local.get $b) (i32.const 0x5c))
          (then (local.set $flags (i32.or (local.get $flags) (i32.const 1))) (br $done)))
        (if (i32.ge_u (local.get $b) (i32.const 0x80))
          (then (local.set $flags (i32.or (local.get $flags) (i32.const 2)))))
        (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (local.get $b)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $bytes)))
    (i32.store (i32.const 276) (local.get $flags))
    (local.get $h))

  ;; True when the key whose opening quote is at $p, of the length its candidate bit $hot (2, 4 or
  ;; 8: see recordLevel) was told by, is that key byte for byte.
  (func $isHotKey (param $p i32) (param $hot i32) (result i32)
    (if (i32.eq (local.get $hot) (i32.const 2))
      (then (return (i32.and
        (i64.eq (i64.load offset=1 align=1 (local.get $p)) (i64.const 0x6d614e746e657665))    ;; "eventNam"
        (i64.eq (i64.load offset=2 align=1 (local.get $p)) (i64.const 0x656d614e746e6576)))))) ;; "ventName"
    (if (i32.eq (local.get $hot) (i32.const 8))
      (then (return (i32.and
        (i64.eq (i64.load offset=1 align=1 (local.get $p)) (i64.const 0x6d6954746e657665))    ;; "eventTim"
        (i64.eq (i64.load offset=2 align=1 (local.get $p)) (i64.const 0x656d6954746e6576)))))) ;; "ventTime"
    (i32.and
      (i64.eq (i64.load offset=1 align=1 (local.get $p)) (i64.const 0x756f53746e657665))          ;; "eventSou"
      (i64.eq (i64.load offset=4 align=1 (local.get $p)) (i64.const 0x656372756f53746e))))        ;; "ntSource"

  ;; checkRecord: whether a record's text is one JSON object that JSON.parse takes, so that a
  ;; record nobody reads can be handed on unparsed (parsed when first read). It may say no to what
  ;; JSON.parse would take (containers more than 64 deep, an escaped key at the top level): the
  ;; record is then parsed as before. On the way it notes the top-level values of the keys
  ;; $notedKey knows, at 512 + 16 * i for the key of index i: how often the key was met, the
  ;; value's start and end (chunk-relative; a string's content, without its quotes), and 1 when
  ;; the value is a string, 3 when that string holds an escape. While it runs, the byte after the
  ;; record is a 0, which nothing in JSON takes: no loop below needs to look for the end.

  ;; The string whose content starts at $p held an escape ($stringEnd sets it).
  (global $escaped (mut i32) (i32.const 0))

  (func $isSpace (param $c i32) (result i32)
    (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x20)) (i32.eq (local.get $c) (i32.const 0x0a)))
            (i32.or (i32.eq (local.get $c) (i32.const 0x0d)) (i32.eq (local.get $c) (i32.const 0x09)))))

  ;; Past spaces, tabs and line ends.
  (func $space (param $p i32) (result i32)
    (loop $more
      (if (call $isSpace (i32.load8_u (local.get $p)))
        (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $more))))
    (local.get $p))

  ;; Past a run of digits.
  (func $digits (param $p i32) (result i32)
    (loop $more
      (if (i32.lt_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 0x30)) (i32.const 10))
        (then (local.set $p (i32.add (local.get $p) (i32.const 1))) (br $more))))
    (local.get $p))

  ;; Past a JSON number starting at $p, or 0 when none starts there.
  (func $number (param $p i32) (result i32)
    (local $c i32) (local $q i32)
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x2d))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (local.set $c (i32.load8_u (local.get $p)))
    (if (i32.eq (local.get $c) (i32.const 0x30))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (if (i32.ge_u (i32.sub (local.get $c) (i32.const 0x31)) (i32.const 9)) (then (return (i32.const 0))))
        (local.set $p (call $digits (i32.add (local.get $p) (i32.const 1))))))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x2e))
      (then
        (local.set $q (call $digits (i32.add (local.get $p) (i32.const 1))))
        (if (i32.eq (local.get $q) (i32.add (local.get $p) (i32.const 1))) (then (return (i32.const 0))))
        (local.set $p (local.get $q))))
    (if (i32.eq (i32.or (i32.load8_u (local.get $p)) (i32.const 0x20)) (i32.const 0x65))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.or (i32.eq (local.get $c) (i32.const 0x2b)) (i32.eq (local.get $c) (i32.const 0x2d)))
          (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (local.set $q (call $digits (local.get $p)))
        (if (i32.eq (local.get $q) (local.get $p)) (then (return (i32.const 0))))
        (local.set $p (local.get $q))))
    (local.get $p))

  (func $isHex (param $c i32) (result i32)
    (i32.or (i32.lt_u (i32.sub (local.get $c) (i32.const 0x30)) (i32.const 10))
            (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61)) (i32.const 6))))

  ;; The closing quote of the string whose content starts at $p, or 0 when JSON.parse would not
  ;; take it: a raw control character (the 0 after the record among them) or a bad escape.
  (func $stringEnd (param $p i32) (result i32)
    (local $m i32) (local $v v128) (local $c i32)
    (global.set $escaped (i32.const 0))
    (loop $blocks
      (local.set $v (v128.load align=1 (local.get $p)))
      (local.set $m (i8x16.bitmask (v128.or (v128.or
        (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22)))
        (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))
        (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20))))))
      (if (i32.eqz (local.get $m))
        (then (local.set $p (i32.add (local.get $p) (i32.const 16))) (br $blocks)))
      (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $m))))
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.eq (local.get $c) (i32.const 0x22)) (then (return (local.get $p))))
      (if (i32.lt_u (local.get $c) (i32.const 0x20)) (then (return (i32.const 0))))
      ;; A backslash.
      (global.set $escaped (i32.const 1))
      (local.set $c (i32.load8_u offset=1 (local.get $p)))
      (if (i32.eq (local.get $c) (i32.const 0x75))
        (then
          (if (i32.eqz (i32.and
                (i32.and (call $isHex (i32.load8_u offset=2 (local.get $p))) (call $isHex (i32.load8_u offset=3 (local.get $p))))
                (i32.and (call $isHex (i32.load8_u offset=4 (local.get $p))) (call $isHex (i32.load8_u offset=5 (local.get $p))))))
            (then (return (i32.const 0))))
          (local.set $p (i32.add (local.get $p) (i32.const 6)))
          (br $blocks)))
      ;; " \ / b f n r t
      (if (i32.or
            (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x22)) (i32.eq (local.get $c) (i32.const 0x5c)))
                    (i32.or (i32.eq (local.get $c) (i32.const 0x2f)) (i32.eq (local.get $c) (i32.const 0x62))))
            (i32.or (i32.or (i32.eq (local.get $c) (i32.const 0x66)) (i32.eq (local.get $c) (i32.const 0x6e)))
                    (i32.or (i32.eq (local.get $c) (i32.const 0x72)) (i32.eq (local.get $c) (i32.const 0x74)))))
        (then (local.set $p (i32.add (local.get $p) (i32.const 2))) (br $blocks))))
    (i32.const 0))

  ;; Which of the noted keys the top-level key [$p, $q) is (its index in NOTED_KEYS, json-scan.ts),
  ;; or -1. Told by its length, then compared 8 bytes at a time (the closing quote is at $q).
  (func $notedKey (param $p i32) (param $q i32) (result i32)
    (local $len i32) (local $w i64)
    (local.set $len (i32.sub (local.get $q) (local.get $p)))
    (local.set $w (i64.load align=1 (local.get $p)))
    (if (i32.eq (local.get $len) (i32.const 7))
      (then (return (select (i32.const 0) (i32.const -1) (i64.eq (local.get $w) (i64.const 0x224449746e657665)))))) ;; eventID"
    (if (i32.eq (local.get $len) (i32.const 9))
      (then
        (if (i32.ne (i32.load8_u offset=8 (local.get $p)) (i32.const 0x65)) (then (return (i32.const -1))))
        (if (i64.eq (local.get $w) (i64.const 0x6d6954746e657665)) (then (return (i32.const 1))))            ;; eventTim
        (if (i64.eq (local.get $w) (i64.const 0x6d614e746e657665)) (then (return (i32.const 2))))            ;; eventNam
        (return (select (i32.const 3) (i32.const -1) (i64.eq (local.get $w) (i64.const 0x646f43726f727265)))))) ;; errorCod
    (if (i32.eq (local.get $len) (i32.const 18))
      (then (return (select (i32.const 4) (i32.const -1) (i32.and (i32.and
        (i64.eq (local.get $w) (i64.const 0x6e65697069636572))                                                ;; recipien
        (i64.eq (i64.load offset=8 align=1 (local.get $p)) (i64.const 0x746e756f63634174)))                   ;; tAccount
        (i32.eq (i32.load16_u offset=16 align=1 (local.get $p)) (i32.const 0x6449)))))))                    ;; Id
    (if (i32.eq (local.get $len) (i32.const 11))
      (then (return (select (i32.const 5) (i32.const -1) (i32.and
        (i64.eq (local.get $w) (i64.const 0x756f53746e657665))                                                ;; eventSou
        (i32.eq (i32.load offset=8 align=1 (local.get $p)) (i32.const 0x22656372)))))))                     ;; rce"
    (if (i32.eq (local.get $len) (i32.const 12))
      (then (return (select (i32.const 6) (i32.const -1) (i32.and
        (i64.eq (local.get $w) (i64.const 0x6e65644972657375))                                                ;; userIden
        (i32.eq (i32.load offset=8 align=1 (local.get $p)) (i32.const 0x79746974)))))))                     ;; tity
    (i32.const -1))

  (func $note (param $key i32) (param $from i32) (param $to i32) (param $flags i32)
    (local $e i32)
    (if (i32.lt_s (local.get $key) (i32.const 0)) (then (return)))
    (local.set $e (i32.add (i32.const 512) (i32.shl (local.get $key) (i32.const 4))))
    (i32.store (local.get $e) (i32.add (i32.load (local.get $e)) (i32.const 1)))
    (i32.store offset=4 (local.get $e) (i32.sub (local.get $from) (i32.const 65536)))
    (i32.store offset=8 (local.get $e) (i32.sub (local.get $to) (i32.const 65536)))
    (i32.store offset=12 (local.get $e) (local.get $flags)))

  ;; 1 when the chunk's bytes [$from, $to) are one JSON object (spaces around it allowed) that
  ;; JSON.parse takes, else 0; the notes at 512 as said above.
  (func (export "checkRecord") (param $from i32) (param $to i32) (result i32)
    (local $end i32) (local $after i32) (local $ok i32)
    (local.set $end (i32.add (local.get $to) (i32.const 65536)))
    (local.set $after (i32.load8_u (local.get $end)))
    (i32.store8 (local.get $end) (i32.const 0))
    (local.set $ok (call $object (i32.add (local.get $from) (i32.const 65536)) (local.get $end)))
    (i32.store8 (local.get $end) (local.get $after))
    (local.get $ok))

  ;; checkRecord on absolute addresses, with the 0 in place at $end.
  (func $object (param $p i32) (param $end i32) (result i32)
    (local $c i32) (local $q i32)
    (local $depth i32) (local $objects i64) (local $state i32) (local $key i32)
    (memory.fill (i32.const 512) (i32.const 0) (i32.const 112))
    (local.set $key (i32.const -1))
    (local.set $p (call $space (local.get $p)))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x7b)) (then (return (i32.const 0))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (local.set $depth (i32.const 1))
    (local.set $objects (i64.const 1))
    ;; States: 0 just after '{', 1 a key, 2 a value, 3 just after '[', 4 after a value.
    (loop $token
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.le_u (local.get $c) (i32.const 0x20))
        (then (if (call $isSpace (local.get $c))
          (then
            (local.set $p (call $space (local.get $p)))
            (local.set $c (i32.load8_u (local.get $p)))))))
      (block $close
        (block $value
          (block $key
            (br_table $key $key $value $value $close (local.get $state)))
          ;; States 0 and 1.
          (if (i32.and (i32.eqz (local.get $state)) (i32.eq (local.get $c) (i32.const 0x7d))) (then (br $close)))
          (if (i32.ne (local.get $c) (i32.const 0x22)) (then (return (i32.const 0))))
          (local.set $q (call $stringEnd (i32.add (local.get $p) (i32.const 1))))
          (if (i32.eqz (local.get $q)) (then (return (i32.const 0))))
          (if (i32.eq (local.get $depth) (i32.const 1))
            (then
              ;; An escaped key may spell a noted one.
              (if (global.get $escaped) (then (return (i32.const 0))))
              (local.set $key (call $notedKey (i32.add (local.get $p) (i32.const 1)) (local.get $q)))))
          (local.set $p (i32.add (local.get $q) (i32.const 1)))
          (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x3a))
            (then (local.set $p (call $space (local.get $p)))))
          (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x3a)) (then (return (i32.const 0))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $state (i32.const 2))
          (br $token))
        ;; States 2 and 3.
        (if (i32.and (i32.eq (local.get $state) (i32.const 3)) (i32.eq (local.get $c) (i32.const 0x5d))) (then (br $close)))
        (local.set $state (i32.const 4))
        (if (i32.eq (local.get $c) (i32.const 0x22))
          (then
            (local.set $q (call $stringEnd (i32.add (local.get $p) (i32.const 1))))
            (if (i32.eqz (local.get $q)) (then (return (i32.const 0))))
            (if (i32.eq (local.get $depth) (i32.const 1))
              (then (call $note (local.get $key) (i32.add (local.get $p) (i32.const 1)) (local.get $q)
                (i32.or (i32.const 1) (i32.shl (global.get $escaped) (i32.const 1))))))
            (local.set $p (i32.add (local.get $q) (i32.const 1)))
            (br $token)))
        (if (i32.eq (local.get $depth) (i32.const 1)) (then (call $note (local.get $key) (local.get $p) (local.get $p) (i32.const 0))))
        (if (i32.eq (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x7b))
          (then
            ;; '{' or '[': one level deeper.
            (if (i32.ge_u (local.get $depth) (i32.const 64)) (then (return (i32.const 0))))
            (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
            (local.set $objects (i64.or (i64.shl (local.get $objects) (i64.const 1))
              (i64.extend_i32_u (i32.eq (local.get $c) (i32.const 0x7b)))))
            (local.set $state (select (i32.const 0) (i32.const 3) (i32.eq (local.get $c) (i32.const 0x7b))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $token)))
        ;; A literal matches only where none of its bytes is the 0 after the record.
        (if (i32.eq (i32.load align=1 (local.get $p)) (i32.const 0x65757274))                    ;; "true"
          (then (local.set $p (i32.add (local.get $p) (i32.const 4))) (br $token)))
        (if (i32.eq (i32.load align=1 (local.get $p)) (i32.const 0x6c6c756e))                    ;; "null"
          (then (local.set $p (i32.add (local.get $p) (i32.const 4))) (br $token)))
        (if (i32.and (i32.eq (local.get $c) (i32.const 0x66))
                     (i32.eq (i32.load offset=1 align=1 (local.get $p)) (i32.const 0x65736c61)))  ;; "f" "alse"
          (then (local.set $p (i32.add (local.get $p) (i32.const 5))) (br $token)))
        (local.set $p (call $number (local.get $p)))
        (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
        (br $token))
      ;; State 4: after a value, or a container that may close here.
      (if (i32.eq (local.get $c) (i32.const 0x2c))
        (then
          (if (i32.eq (local.get $state) (i32.const 4))
            (then
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (local.set $state (select (i32.const 1) (i32.const 2) (i32.wrap_i64 (i64.and (local.get $objects) (i64.const 1)))))
              (br $token)))
          (return (i32.const 0))))
      (if (i32.ne (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x7d)) (then (return (i32.const 0))))
      ;; '}' closes an object, ']' an array.
      (if (i32.ne (i32.eq (local.get $c) (i32.const 0x7d)) (i32.wrap_i64 (i64.and (local.get $objects) (i64.const 1))))
        (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
      (local.set $objects (i64.shr_u (local.get $objects) (i64.const 1)))
      (local.set $state (i32.const 4))
      (br_if $token (local.get $depth)))
    (i32.eq (call $space (local.get $p)) (local.get $end)))
)
