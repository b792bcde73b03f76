package io.fixlify.connect;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a record whose serialized key and value would exceed {@code max.bytes} by a small marker,
 * so that one huge row can never make the producer refuse the record and fail the task (which then
 * fails again on the same WAL position after every restart, while the slot keeps WAL).
 *
 * <p>The marker keeps the record's key, topic, partition, timestamp, headers and source offset (the
 * WAL position still advances) and, from a Debezium envelope, its {@code source} block and
 * {@code op}; it is written as
 * {@code {"op":"oversized","originalOp":"u","topic":…,"bytes":N,"limit":L,"ts_ms":…,"source":{…},"key":…}}.
 * Consumers turn it into a dead letter: nothing is lost silently.
 *
 * <p>Size is measured as the JSON converter with schemas disabled writes it (the connector's
 * converters; set {@code converter.schemas.enable=true} if yours embed schemas). A cheap upper
 * bound is computed first, so only records that could be too large are serialized to be measured.
 */
public class OversizedToMarker<R extends ConnectRecord<R>> implements Transformation<R> {
  private static final Logger LOG = LoggerFactory.getLogger(OversizedToMarker.class);

  public static final String MAX_BYTES_CONFIG = "max.bytes";
  public static final String SCHEMAS_ENABLE_CONFIG = "converter.schemas.enable";
  /** 12 MiB: infra/local keeps Connect's producer and the topics at 16 MiB, with room for headers and batch overhead. */
  public static final long DEFAULT_MAX_BYTES = 12L * 1024 * 1024;
  public static final String MARKER_OP = "oversized";
  public static final String MARKER_SCHEMA_NAME = "io.fixlify.connect.OversizedRecord";

  public static final ConfigDef CONFIG_DEF = new ConfigDef()
      .define(MAX_BYTES_CONFIG, ConfigDef.Type.LONG, DEFAULT_MAX_BYTES, ConfigDef.Range.atLeast(1024),
          ConfigDef.Importance.HIGH, "Largest serialized key + value (bytes) passed on unchanged; a larger record becomes a marker.")
      .define(SCHEMAS_ENABLE_CONFIG, ConfigDef.Type.BOOLEAN, false, ConfigDef.Importance.LOW,
          "Whether the connector's JSON converters embed schemas (measured the same way).");

  private long maxBytes = DEFAULT_MAX_BYTES;
  private JsonConverter keyConverter;
  private JsonConverter valueConverter;

  @Override
  public void configure(Map<String, ?> props) {
    AbstractConfig config = new AbstractConfig(CONFIG_DEF, props);
    maxBytes = config.getLong(MAX_BYTES_CONFIG);
    Map<String, Object> converterProps = new HashMap<>();
    converterProps.put("schemas.enable", config.getBoolean(SCHEMAS_ENABLE_CONFIG));
    keyConverter = new JsonConverter();
    keyConverter.configure(converterProps, true);
    valueConverter = new JsonConverter();
    valueConverter.configure(converterProps, false);
  }

  public long maxBytes() {
    return maxBytes;
  }

  @Override
  public R apply(R record) {
    if (record.value() == null && record.key() == null) return record;
    // fast path: nearly every record is far below the limit even in the worst case of JSON escaping
    if (upperBound(record.key()) + upperBound(record.value()) <= maxBytes) return record;
    byte[] key = keyConverter.fromConnectData(record.topic(), record.keySchema(), record.key());
    byte[] value = valueConverter.fromConnectData(record.topic(), record.valueSchema(), record.value());
    long bytes = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    if (bytes <= maxBytes) return record;
    String keyText = key == null ? "null" : new String(key, StandardCharsets.UTF_8);
    Struct marker = marker(record, bytes, keyText);
    Object source = marker.schema().field("source") == null ? null : marker.get("source");
    LOG.warn("Record of {} with key {} is {} bytes serialized, over max.bytes={}: replaced by an oversized marker (source {})",
        record.topic(), keyText, bytes, maxBytes, source);
    return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(), marker.schema(), marker,
        record.timestamp(), record.headers());
  }

  /** The marker that replaces a record of {@code bytes} bytes. */
  Struct marker(R record, long bytes, String keyText) {
    Struct envelope = record.value() instanceof Struct s ? s : null;
    Field sourceField = envelope == null ? null : envelope.schema().field("source");
    Field opField = envelope == null ? null : envelope.schema().field("op");
    Field tsField = envelope == null ? null : envelope.schema().field("ts_ms");
    boolean structuredKey = record.keySchema() != null && (record.key() != null || record.keySchema().isOptional());

    SchemaBuilder builder = SchemaBuilder.struct().name(MARKER_SCHEMA_NAME).version(1)
        .field("op", Schema.STRING_SCHEMA)
        .field("originalOp", Schema.OPTIONAL_STRING_SCHEMA)
        .field("topic", Schema.STRING_SCHEMA)
        .field("bytes", Schema.INT64_SCHEMA)
        .field("limit", Schema.INT64_SCHEMA)
        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA);
    if (sourceField != null) builder.field("source", sourceField.schema());
    // the key as the record has it (Debezium: a struct of the primary key columns), else its JSON text
    builder.field("key", structuredKey ? record.keySchema() : Schema.OPTIONAL_STRING_SCHEMA);
    Schema schema = builder.build();

    Struct marker = new Struct(schema)
        .put("op", MARKER_OP)
        .put("originalOp", opField != null && envelope.get(opField) instanceof String op ? op : null)
        .put("topic", record.topic())
        .put("bytes", bytes)
        .put("limit", maxBytes)
        .put("ts_ms", tsField != null && envelope.get(tsField) instanceof Long ts ? ts : null)
        .put("key", structuredKey ? record.key() : (record.key() == null ? null : keyText));
    if (sourceField != null) marker.put("source", envelope.get(sourceField));
    return marker;
  }

  /** Anything we cannot bound is measured exactly (large, but never overflows when summed). */
  private static final long UNKNOWN = 1L << 50;

  /**
   * An upper bound of the JSON size of a Connect value (schemas disabled): a char of a string takes at
   * most 6 bytes (a {@code \\uXXXX} escape; UTF-8 needs at most 3 per UTF-16 unit), numbers at most 32.
   */
  static long upperBound(Object v) {
    if (v == null) return 4;
    if (v instanceof String s) return 2 + 6L * s.length();
    if (v instanceof Struct st) {
      long n = 2;
      for (Field f : st.schema().fields()) n += 4 + 6L * f.name().length() + upperBound(st.get(f));
      return n;
    }
    if (v instanceof Boolean) return 5;
    if (v instanceof BigDecimal d) return 4 + Math.max(d.toPlainString().length(), 4L * (d.unscaledValue().bitLength() / 8 + 3) / 3);
    if (v instanceof Number || v instanceof Date) return 32;
    if (v instanceof byte[] b) return 2 + 4L * ((b.length + 2) / 3);
    if (v instanceof ByteBuffer bb) return 2 + 4L * ((bb.remaining() + 2) / 3);
    if (v instanceof List<?> list) {
      long n = 2;
      for (Object e : list) n += 1 + upperBound(e);
      return n;
    }
    if (v instanceof Map<?, ?> map) {
      // an object, or an array of [key, value] pairs when the keys are not strings
      long n = 2;
      for (Map.Entry<?, ?> e : map.entrySet()) n += 4 + upperBound(e.getKey()) + upperBound(e.getValue());
      return n;
    }
    return UNKNOWN;
  }

  @Override
  public ConfigDef config() {
    return CONFIG_DEF;
  }

  @Override
  public String version() {
    return "1";
  }

  @Override
  public void close() {
    if (keyConverter != null) keyConverter.close();
    if (valueConverter != null) valueConverter.close();
  }
}
