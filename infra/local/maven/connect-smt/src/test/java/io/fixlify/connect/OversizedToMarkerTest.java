package io.fixlify.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class OversizedToMarkerTest {
  private static final Schema KEY = SchemaBuilder.struct().name("fixlify.public.jobs.Key").field("id", Schema.STRING_SCHEMA).build();
  private static final Schema ROW = SchemaBuilder.struct().name("fixlify.public.jobs.Value").optional()
      .field("id", Schema.STRING_SCHEMA).field("description", Schema.OPTIONAL_STRING_SCHEMA).build();
  private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
      .field("version", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA).field("table", Schema.STRING_SCHEMA)
      .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA).build();
  private static final Schema ENVELOPE = SchemaBuilder.struct().name("fixlify.public.jobs.Envelope")
      .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA)
      .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static OversizedToMarker<SourceRecord> smt(long maxBytes) {
    OversizedToMarker<SourceRecord> t = new OversizedToMarker<>();
    t.configure(Map.of("max.bytes", String.valueOf(maxBytes)));
    return t;
  }

  private static SourceRecord change(String description) {
    Struct source = new Struct(SOURCE).put("version", "3.6.1.Final").put("ts_ms", 1_795_752_065_291L).put("table", "jobs")
        .put("txId", 734L).put("lsn", 27_500_120L);
    Struct row = new Struct(ROW).put("id", "36c290c5-a69f-4349-ae2e-3e87e586802d").put("description", description);
    Struct value = new Struct(ENVELOPE).put("before", row).put("after", row).put("source", source).put("op", "u").put("ts_ms", 1_795_752_065_309L);
    Struct key = new Struct(KEY).put("id", "36c290c5-a69f-4349-ae2e-3e87e586802d");
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("h", "v");
    return new SourceRecord(Map.of("server", "fixlify"), Map.of("lsn", 27_500_120L), "fixlify.public.jobs", 2, KEY, key, ENVELOPE, value,
        1_795_752_065_400L, headers);
  }

  private static JsonNode json(SourceRecord r) throws Exception {
    JsonConverter c = new JsonConverter();
    c.configure(Map.of("schemas.enable", false), false);
    return JSON.readTree(c.fromConnectData(r.topic(), r.valueSchema(), r.value()));
  }

  @Test
  void aRecordUnderTheLimitPassesUnchanged() {
    SourceRecord r = change("x".repeat(10_000));
    assertSame(r, smt(1024 * 1024).apply(r));
    // over the cheap bound (6 bytes per char) but under the limit once measured: still unchanged
    SourceRecord mid = change("y".repeat(150_000));
    assertSame(mid, smt(400_000).apply(mid));
  }

  @Test
  void aRecordOverTheLimitBecomesAMarkerWithSourceKeyAndSize() throws Exception {
    SourceRecord r = change("z".repeat(600_000));
    SourceRecord out = smt(1024 * 1024).apply(r);
    assertEquals(OversizedToMarker.MARKER_SCHEMA_NAME, out.valueSchema().name());
    // everything but the value is kept: topic, partition, key, timestamp, headers, source offset (the WAL position advances)
    assertEquals(r.topic(), out.topic());
    assertEquals(r.kafkaPartition(), out.kafkaPartition());
    assertSame(r.key(), out.key());
    assertEquals(r.timestamp(), out.timestamp());
    assertEquals("v", out.headers().lastWithName("h").value());
    assertEquals(r.sourceOffset(), out.sourceOffset());
    assertEquals(r.sourcePartition(), out.sourcePartition());

    JsonNode m = json(out);
    assertEquals("oversized", m.get("op").asText());
    assertEquals("u", m.get("originalOp").asText());
    assertEquals("fixlify.public.jobs", m.get("topic").asText());
    assertEquals(1024 * 1024, m.get("limit").asLong());
    assertEquals(1_795_752_065_309L, m.get("ts_ms").asLong());
    assertEquals("jobs", m.get("source").get("table").asText());
    assertEquals(27_500_120L, m.get("source").get("lsn").asLong());
    assertEquals(734L, m.get("source").get("txId").asLong());
    assertEquals("36c290c5-a69f-4349-ae2e-3e87e586802d", m.get("key").get("id").asText());
    // the size is the serialized key + value, as the connector's converters write them
    JsonConverter c = new JsonConverter();
    c.configure(Map.of("schemas.enable", false), false);
    long exact = c.fromConnectData(r.topic(), r.valueSchema(), r.value()).length + "{\"id\":\"36c290c5-a69f-4349-ae2e-3e87e586802d\"}".length();
    assertEquals(exact, m.get("bytes").asLong());
    assertTrue(exact > 1_200_000);
    // and the marker itself is small
    assertTrue(m.toString().length() < 1000, m.toString());
  }

  @Test
  void aSchemalessKeyIsKeptAsJsonText() throws Exception {
    SourceRecord r = change("q".repeat(5000));
    SourceRecord noSchema = r.newRecord(r.topic(), r.kafkaPartition(), null, Map.of("id", "k1"), r.valueSchema(), r.value(), r.timestamp());
    JsonNode m = json(smt(1024).apply(noSchema));
    assertEquals("{\"id\":\"k1\"}", m.get("key").asText());
  }

  @Test
  void aValueThatIsNoDebeziumEnvelopeStillBecomesAMarker() throws Exception {
    SourceRecord r = new SourceRecord(Map.of(), Map.of(), "t", null, null, null, Schema.STRING_SCHEMA, "w".repeat(5000));
    JsonNode m = json(smt(1024).apply(r));
    assertEquals("oversized", m.get("op").asText());
    assertNull(m.get("source"));
    assertTrue(m.get("originalOp").isNull());
  }

  @Test
  void nullRecordsAndTombstonesPass() {
    SourceRecord tombstone = new SourceRecord(Map.of(), Map.of(), "t", null, null, null, null, null);
    assertSame(tombstone, smt(1024).apply(tombstone));
  }

  @Test
  void theUpperBoundIsNeverBelowTheSerializedSize() {
    JsonConverter c = new JsonConverter();
    c.configure(Map.of("schemas.enable", false), false);
    Random random = new Random(42);
    for (int i = 0; i < 2000; i++) {
      StringBuilder s = new StringBuilder();
      int n = random.nextInt(200);
      for (int j = 0; j < n; j++) {
        int kind = random.nextInt(5);
        s.append(kind == 0 ? (char) random.nextInt(0x20) : kind == 1 ? '"' : kind == 2 ? (char) (0x80 + random.nextInt(0xD000)) : kind == 3 ? "\uD83D\uDE00" : "a");
      }
      SourceRecord r = change(s.toString());
      long exact = c.fromConnectData(r.topic(), r.valueSchema(), r.value()).length;
      assertTrue(OversizedToMarker.upperBound(r.value()) >= exact, s.toString());
    }
    Map<Object, Object> map = Map.of("a", List.of(1, 2.5, true), 7, new byte[] {1, 2, 3, 4});
    long exact = c.fromConnectData("t", null, map).length;
    assertTrue(OversizedToMarker.upperBound(map) >= exact);
    assertTrue(new String(c.fromConnectData("t", null, "é"), StandardCharsets.UTF_8).length() <= OversizedToMarker.upperBound("é"));
  }

  @Test
  void theLimitIsConfigurableAndChecked() {
    assertEquals(OversizedToMarker.DEFAULT_MAX_BYTES, smt(OversizedToMarker.DEFAULT_MAX_BYTES).maxBytes());
    OversizedToMarker<SourceRecord> t = new OversizedToMarker<>();
    t.configure(Map.of());
    assertEquals(12L * 1024 * 1024, t.maxBytes());
    assertThrows(ConfigException.class, () -> smt(10));
  }
}
